// The run page's one script: the task table (sort, filter, search, virtual scrolling) and the copy buttons.
// Allowed by its SHA-256 in the page's Content-Security-Policy: no inline handlers, no eval, no style attributes.
(function () {
  "use strict";
  var ROW = 28; // px, fixed by style.css: the scroll maths needs every row the same height.
  var OVERSCAN = 8;
  var data = JSON.parse(document.getElementById("tasks").textContent);
  var rows = data.rows;
  var statuses = data.statuses;
  var instances = data.instances;
  var col = {};
  data.columns.forEach(function (name, i) { col[name] = i; });
  var NUMERIC = { cpus: 1, memoryGiB: 1, peakCpus: 1, peakMemoryGiB: 1, queuedSeconds: 1, runningSeconds: 1,
    costUsd: 1, startedSeconds: 1 };
  var DURATION = { queuedSeconds: 1, runningSeconds: 1, startedSeconds: 1 };

  var viewport = document.getElementById("task-viewport");
  var body = document.getElementById("task-rows");
  var select = document.getElementById("status-filter");
  var search = document.getElementById("name-filter");
  var counter = document.getElementById("task-count");
  var headers = Array.prototype.slice.call(document.querySelectorAll("#task-table th[data-col]"));

  var view = []; // indices into rows, filtered and sorted
  var sortKey = null;
  var sortDir = 1;
  var lowerNames = null; // built on the first search only
  var drawnFirst = -1;
  var drawnCount = -1;

  function duration(s) {
    s = Math.max(0, Math.round(s));
    var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, sec = s % 60;
    function two(n) { return n < 10 ? "0" + n : "" + n; }
    if (d > 0) return d + "d" + two(h) + "h" + two(m) + "m";
    if (h > 0) return h + "h" + two(m) + "m";
    if (m > 0) return m + "m" + two(sec) + "s";
    return sec + "s";
  }

  function money(v) { // as the server renders it: -$0.0042, $12.34, never -0.00
    var m = Math.abs(v);
    if (m < 0.00005) return "$0.00";
    return (v < 0 ? "-$" : "$") + (m >= 1 ? m.toFixed(2) : m.toFixed(4));
  }

  function text(row, key) {
    var v = row[col[key]];
    if (v === null || v === undefined) return key === "costUsd" && row[col.cached] === 0 ? "unpriced" : "";
    if (key === "status") return statuses[v];
    if (key === "instanceType") return instances[v];
    if (key === "cached") return v ? "yes" : "no";
    if (key === "costUsd") return money(v);
    if (DURATION[key]) return duration(v);
    return String(v);
  }

  // The value a column sorts by: numbers as numbers, lookups by their name, null sorts last either way.
  function sortValue(row, key) {
    var v = row[col[key]];
    if (v === null || v === undefined) return null;
    if (key === "status") return statuses[v];
    if (key === "instanceType") return instances[v];
    return v;
  }

  function sortView() {
    if (sortKey === null) return;
    var key = sortKey, dir = sortDir;
    var keys = new Array(rows.length);
    view.forEach(function (i) { keys[i] = sortValue(rows[i], key); });
    view.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === null || y === null) {
        if (x === y) return a - b;
        return x === null ? 1 : -1;
      }
      if (x < y) return -dir;
      if (x > y) return dir;
      return a - b; // stable: the record's order breaks ties
    });
  }

  function filter() {
    var status = select.value;
    var wanted = status === "" ? null : Number(status);
    var query = search.value.trim().toLowerCase();
    if (query && lowerNames === null) {
      lowerNames = rows.map(function (r) { return ((r[col.name] || "") + " " + r[col.taskId]).toLowerCase(); });
    }
    view = [];
    for (var i = 0; i < rows.length; i++) {
      if (wanted !== null && rows[i][col.status] !== wanted) continue;
      if (query && lowerNames[i].indexOf(query) < 0) continue;
      view.push(i);
    }
    sortView();
    counter.textContent = view.length === rows.length
      ? rows.length + " tasks"
      : view.length + " of " + rows.length + " tasks";
    counter.setAttribute("data-shown", String(view.length));
    viewport.scrollTop = 0;
    draw(true);
  }

  function spacer(height) {
    var tr = document.createElement("tr");
    tr.className = "spacer";
    var td = document.createElement("td");
    td.colSpan = headers.length;
    td.style.height = height + "px"; // CSSOM, not a style attribute: allowed by the policy
    tr.appendChild(td);
    return tr;
  }

  // Draws only the rows in view (plus a few either side), between two spacers that keep the scroll height.
  function draw(force) {
    var first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - OVERSCAN);
    var count = Math.ceil(viewport.clientHeight / ROW) + 2 * OVERSCAN;
    var last = Math.min(view.length, first + count);
    if (!force && first === drawnFirst && count === drawnCount) return;
    drawnFirst = first;
    drawnCount = count;
    var fragment = document.createDocumentFragment();
    fragment.appendChild(spacer(first * ROW));
    for (var n = first; n < last; n++) {
      var row = rows[view[n]];
      var tr = document.createElement("tr");
      tr.className = "task";
      tr.setAttribute("data-task-id", row[col.taskId]);
      headers.forEach(function (th) {
        var key = th.getAttribute("data-col");
        var td = document.createElement("td");
        var value = text(row, key);
        if (key === "status" && value) {
          var badge = document.createElement("span");
          badge.className = "status status-" + value.toLowerCase();
          badge.textContent = value;
          td.appendChild(badge);
        } else {
          td.textContent = value;
        }
        if (NUMERIC[key]) td.className = "num";
        if (key === "name") td.title = value;
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    }
    if (view.length === 0) {
      var empty = document.createElement("tr");
      var td = document.createElement("td");
      td.colSpan = headers.length;
      td.className = "empty";
      td.textContent = "No task matches.";
      empty.appendChild(td);
      fragment.appendChild(empty);
    }
    fragment.appendChild(spacer(Math.max(0, view.length - last) * ROW));
    body.replaceChildren(fragment);
  }

  function sortBy(key) {
    if (sortKey === key) {
      sortDir = -sortDir;
    } else {
      sortKey = key;
      sortDir = NUMERIC[key] ? -1 : 1; // numbers largest first: the most expensive task on top
    }
    headers.forEach(function (th) {
      var active = th.getAttribute("data-col") === sortKey;
      th.setAttribute("aria-sort", active ? (sortDir < 0 ? "descending" : "ascending") : "none");
    });
    sortView();
    viewport.scrollTop = 0;
    draw(true);
  }

  function statusOptions() {
    var counts = statuses.map(function () { return 0; });
    for (var i = 0; i < rows.length; i++) {
      var s = rows[i][col.status];
      if (s !== null) counts[s]++;
    }
    statuses.forEach(function (name, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = name + " (" + counts[i] + ")";
      select.appendChild(option);
    });
  }

  function copy(button) {
    var value = button.getAttribute("data-copy") || "";
    window.__runPageCopied = value; // what the clipboard receives: tests read it where no clipboard exists
    function done(label) {
      var original = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", original);
      button.textContent = label;
      window.setTimeout(function () { button.textContent = original; }, 1500);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = value;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      done(ok ? "Copied" : "Select and copy");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(value).then(function () { done("Copied"); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest("button.copy");
    if (button) copy(button);
  });
  headers.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () { sortBy(th.getAttribute("data-col")); });
  });
  var pending = false;
  viewport.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; draw(false); });
  }, { passive: true });
  window.addEventListener("resize", function () { draw(false); });
  select.addEventListener("change", filter);
  search.addEventListener("input", filter);

  statusOptions();
  filter();
  window.__runPageReady = performance.now();
  document.documentElement.setAttribute("data-ready", "true");
})();
