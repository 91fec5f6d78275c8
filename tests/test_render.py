"""Safe Markdown: rendered by a real CommonMark renderer with raw HTML switched on, the output
holds no HTML of its own, no image and no link outside the allowlist."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tutor.display import allowed_hosts, host_allowed, safe_markdown, terminal_text

HOSTS = allowed_hosts(["docs.example.org"])
# Tags a CommonMark renderer produces from Markdown syntax alone.
MARKDOWN_TAGS = {"p", "a", "code", "pre", "em", "strong", "ul", "ol", "li", "h1", "h2", "h3",
                 "h4", "h5", "h6", "blockquote", "hr", "br"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def rendered_tags(markdown: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(MarkdownIt("commonmark", {"html": True}).render(markdown))
    return parser.tags


def assert_safe(markdown: str) -> None:
    for tag, attrs in rendered_tags(markdown):
        assert tag in MARKDOWN_TAGS, (tag, markdown)
        if tag == "a":
            assert host_allowed(attrs.get("href") or "", HOSTS), (attrs, markdown)
        risky = [k for k in attrs if k.startswith("on") or k in ("src", "style")]
        assert not risky, (attrs, markdown)


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<div>\n\n*html block*\n\n</div>",
    "![tracker](https://evil.example/pixel.png)",
    "![ok host but still an image](https://docs.aws.amazon.com/logo.png)",
    "[click](https://evil.example/phish)",
    "[js](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:x)",
    "[sneaky](https://docs.aws.amazon.com@evil.example/) [slash](https://evil.example\\@docs.aws.amazon.com)",
    "[ref link][r]\n\n[r]: https://evil.example/",
    "<https://evil.example/auto> and <mailto:x@evil.example>",
    "`` ` <img src=x onerror=alert(1)> ` ``",
    "\\`<img src=x onerror=alert(1)>`",
    "` x\n` <img src=x onerror=alert(1)> `",
    "1. item\n   ```\n<img src=x onerror=alert(1)>\n   ```",
    "```\n<b>code</b>\n```\n<iframe src=https://evil.example>",
    "[![img in link](https://evil.example/a.png)](https://docs.aws.amazon.com/x)",
    "<!-- comment --> <?php x ?> <![CDATA[x]]>",
])
def test_attacks_render_inert(text: str) -> None:
    out = safe_markdown(text, HOSTS)
    assert_safe(out)


def test_allowed_links_and_plain_markdown_survive() -> None:
    text = ("**Batch Transform** runs *offline* [1]. See [the guide](https://docs.aws.amazon.com/"
            "sagemaker/latest/dg/batch-transform.html) and [our notes](https://docs.example.org/bt).\n\n"
            "- one\n- two\n\n```python\nif a < b:\n    print(a)\n```\n\nUse `x < y` here.")
    out = safe_markdown(text, HOSTS)
    assert_safe(out)
    hrefs = [a["href"] for tag, a in rendered_tags(out) if tag == "a"]
    assert hrefs == ["https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html",
                     "https://docs.example.org/bt"]
    html = MarkdownIt("commonmark").render(out)
    assert "<strong>Batch Transform</strong>" in html and "[1]" in html
    assert "if a &lt; b:" in html and "<code>x &lt; y</code>" in html  # code shown as written


def test_removed_links_keep_their_text_and_bare_urls_are_not_clickable() -> None:
    out = safe_markdown("Read [this page](https://evil.example/p) or https://evil.example/q or "
                        "www.evil.example, but https://aws.amazon.com/sagemaker/ is fine.", HOSTS)
    assert "this page" in out and "(https://evil.example/p)" not in out
    assert "`https://evil.example/q`" in out and "`www.evil.example`" in out
    assert " https://aws.amazon.com/sagemaker/ " in out
    assert_safe(out)


def test_images_keep_their_alt_text_only() -> None:
    out = safe_markdown("Before ![diagram of the flow](https://evil.example/x.png) after", HOSTS)
    assert out == "Before diagram of the flow after"


def test_only_configured_hosts_are_allowed_and_only_whole_names() -> None:
    hosts = allowed_hosts(["internal.wiki.example"])
    assert hosts == ["docs.aws.amazon.com", "aws.amazon.com", "internal.wiki.example"]
    assert host_allowed("https://internal.wiki.example/other", hosts)
    assert not host_allowed("https://sub.docs.aws.amazon.com/x", hosts)
    assert not host_allowed("https://docs.aws.amazon.com.evil.example/", hosts)
    assert not host_allowed("ftp://docs.aws.amazon.com/x", hosts)


def test_terminal_text_strips_escape_sequences() -> None:
    assert terminal_text("red \x1b[31mtext\x1b[0m\x1b]0;title\x07 done\r\n") == "red text done\n"


_PIECES = st.sampled_from([
    "<", ">", "`", "``", "```", "~~~", "\n", "\n\n", " ", "    ", "\\", "[", "]", "(", ")", "!",
    "<img src=x onerror=alert(1)>", "<script>", "<a href='https://evil.example'>", "</a>",
    "[t](https://evil.example)", "![i](https://evil.example/i.png)", "https://evil.example/u",
    "[d](https://docs.aws.amazon.com/d)", "javascript:alert(1)", "<https://evil.example>",
    "*", "_", "#", "- ", "1. ", "> ", "|", "&lt;", "&#60;img src=x&#62;", "text",
    "www.evil.example",
])


@hyp_settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_any_mix_of_markdown_and_html_renders_inert(text: str) -> None:
    assert_safe(safe_markdown(text, HOSTS))
