//! Markdown to safe HTML.
//!
//! Two layers, so one mistake does not open the WebView:
//! 1. `pulldown-cmark` parses the Markdown; raw HTML (blocks and inline) is turned into text,
//!    so `<script>` shows as the characters `<script>`; images become their alt text (the
//!    console loads nothing from the network, and a pack cannot smuggle a tracking pixel).
//! 2. `ammonia` cleans the result against an allow-list: only text-formatting tags, links with
//!    `https:`, `http:` or `mailto:` targets (others lose their `href`), no relative URLs, no
//!    attributes but `href`/`title`/`start`, and every link gets `rel="noopener noreferrer"`.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The tags a lesson may produce.
const TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

fn sanitiser() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(TAGS.iter().copied().collect())
            .clean_content_tags(HashSet::from(["script", "style"]))
            .add_tag_attributes("a", ["href", "title"])
            .add_tag_attributes("ol", ["start"])
            .url_schemes(HashSet::from(["https", "http", "mailto"]))
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        b
    })
}

/// Renders lesson Markdown (CommonMark plus tables and strikethrough) to HTML that is safe to
/// insert into the console's WebView.
pub fn render_markdown(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        // Raw HTML is shown as the text the author typed, never interpreted.
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        // Keep the alt text (the events between start and end), drop the image.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitiser().clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_ordinary_markdown() {
        let html = render_markdown("# Title\n\nSome **bold** and a [link](https://example.com).");
        assert_eq!(
            html,
            "<h1>Title</h1>\n<p>Some <strong>bold</strong> and a <a href=\"https://example.com\" \
             rel=\"noopener noreferrer\">link</a>.</p>\n"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render_markdown("<b onclick=\"x()\">hi</b>");
        assert!(!html.contains("<b"), "{html}");
        assert!(html.contains("&lt;b"), "{html}");
    }
}
