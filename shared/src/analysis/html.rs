//! What every page this crate draws shares: text escaping for HTML and SVG, and one self-contained document shell
//! (no script, no external resource) whose Content-Security-Policy allows exactly its own `<style>`, by hash.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Escapes text for HTML and XML (element content and quoted attributes); control characters become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The styles every page starts from: readable type, cards, tables, responsive margins.
pub const BASE_STYLE: &str = "body{margin:24px;font-family:'DejaVu Sans',Arial,sans-serif;color:#212121;\
background:#fff}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}\
p.sub{color:#616161;margin:0 0 16px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 20px}\
.card{border:1px solid #e0e0e0;border-radius:6px;padding:8px 14px;min-width:120px}\
.card b{display:block;font-size:18px}.card span{color:#616161;font-size:12px}\
svg{max-width:100%;height:auto;display:block;margin:0 0 20px}\
table{border-collapse:collapse;width:100%;font-size:13px;margin:0 0 16px}\
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#fafafa}td{overflow-wrap:anywhere}td:first-child{overflow-wrap:break-word}\
table.text td,table.text th{text-align:left}\
.up{color:#c62828}.down{color:#2e7d32}p.note{color:#616161;font-size:12px}\
@media (max-width:700px){body{margin:8px}table{font-size:11px}}";

/// `'sha256-<base64>'` of `text`, as a Content-Security-Policy source expression (quotes included).
pub fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// A whole document: `title`, [`BASE_STYLE`] then `style`, and `body` (already HTML). Its policy allows no script,
/// no connection, images from `data:` only, and its one style by hash.
pub fn document(title: &str, style: &str, body: &str) -> String {
    let css = format!("{BASE_STYLE}{style}");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {hash}; \
         img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        hash = csp_hash(&css),
        title = escape(title),
    )
}

/// `$12.34`, `-$5.00` (the sign before the currency, as people write it); `—` when unknown.
pub fn dollars(usd: Option<f64>) -> String {
    match usd {
        None => "—".to_owned(),
        Some(v) if v < 0.0 => format!("-${:.2}", -v),
        Some(v) => format!("${v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_allows_exactly_its_style() {
        let page = document("a <b>", "p{color:red}", "<p>x</p>\n");
        let css = format!("{BASE_STYLE}p{{color:red}}");
        assert!(page.contains(&format!("style-src {}", csp_hash(&css))));
        assert!(page.contains(&format!("<style>{css}</style>")));
        assert!(page.contains("<title>a &lt;b&gt;</title>"));
        assert!(!page.contains("<script"));
        assert_eq!(escape("\"'&\u{1}"), "&quot;&#39;&amp; ");
        assert_eq!(dollars(Some(-5.0)), "-$5.00");
        assert_eq!(dollars(None), "—");
    }
}
