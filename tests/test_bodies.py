"""Write-ups: what the checker refuses, and the allowlist applied to rendered HTML."""

from __future__ import annotations

import pytest

from generator.bodies import body_problems, sanitise, sanitise_page


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("Plain text with a [link](https://example.org/a).", []),
        ("Anchor [here](#sources) and mail <reader@example.org>.", []),
        ("`<script>` in code and\n\n    <b>indented code</b>\n", []),
        ("A <b>tag</b>.", [(2, "raw HTML is not allowed; write Markdown (use `code` to show a tag)"), (8, "raw HTML is not allowed; write Markdown (use `code` to show a tag)")]),
        ("[x](javascript:alert(1))", [(4, "link 'javascript:alert(1)' is not allowed: only http(s) and mailto links (absolute, with a host)")]),
        ("[x](JaVaScRiPt:alert(1))", [(4, "link 'JaVaScRiPt:alert(1)' is not allowed: only http(s) and mailto links (absolute, with a host)")]),
        ("[x](jav&#x61;script:alert(1))", [(4, "link 'jav&#x61;script:alert(1)' is not allowed: only http(s) and mailto links (absolute, with a host)")]),
        ("[x](//evil.example/)", [(4, "link '//evil.example/' is not allowed: only http(s) and mailto links (absolute, with a host)")]),
        ("[x](../other/)", [(4, "link '../other/' is not allowed: only http(s) and mailto links (absolute, with a host)")]),
        ("[x](https:///nohost)", [(4, "link 'https:///nohost' has no host")]),
        ("![chart](https://example.org/c.png)", [(9, "images are not allowed in an entry; link to the image instead")]),
        ("Use [r][ref].\n\n[ref]: data:text/html,hi\n", [(22, "link 'data:text/html,hi' is not allowed: only http(s) and mailto links (absolute, with a host)")]),
    ],
)
def test_body_problems(body: str, found: list[tuple[int, str]]) -> None:
    assert body_problems(body) == found


def test_page_allowlist_keeps_markdown_features_and_drops_the_rest() -> None:
    html = (
        '<h2 id="why">Why<a class="headerlink" href="#why" title="Permanent link">&para;</a></h2>'
        '<p>x<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>'
        '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">j</a></p>'
        '<table><tr><td style="text-align: left; background: url(x)">c</td></tr></table>'
        '<pre><code class="language-py">x</code></pre>'
    )
    clean = sanitise_page(html)
    for kept in ('<h2 id="why">', 'class="headerlink"', '<sup id="fnref:1">', 'href="#fn:1"', 'style="text-align:left"', 'class="language-py"'):
        assert kept in clean
    for dropped in ("<script", "alert(1)</", "<img", "onerror", "javascript:", "background"):
        assert dropped not in clean


def test_feed_allowlist_makes_links_absolute() -> None:
    clean = sanitise('<p><a href="../other/">o</a> <a href="#top">t</a> <a href="vbscript:x">v</a></p>', "https://d.example/entries/2026/x/")
    assert 'href="https://d.example/entries/2026/other/"' in clean
    assert 'href="#top"' in clean
    assert "vbscript" not in clean
