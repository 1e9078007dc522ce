"""Feeds parse to plain entries; hostile XML ends quickly in FeedError (RELIABILITY 12).

The hostile cases run twice where it matters: through :func:`parse_xml` as is, and with its
DOCTYPE scan switched off, to show that the hardened parser alone expands and fetches nothing.
"""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler import feeds
from crawler.feeds import MAX_FEED_BYTES, FeedEntry, FeedError, parse_feed, parse_xml

BASE = "https://www.gov.cn/pushinfo/v150203/rss.xml"
DOCTYPE_REFUSED = "XML with a DOCTYPE is refused (entities are not expanded)"
MARKER = "regwatch-xxe-marker-7f3c9e"

RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>中国政府网 最新政策</title>
    <link>https://www.gov.cn/</link>
    <item>
      <title><![CDATA[ 国务院办公厅关于印发《数据安全
        工作方案》的通知 ]]></title>
      <link>https://www.gov.cn/zhengce/content/202601/content_7001.htm</link>
      <pubDate>Mon, 05 Jan 2026 09:30:00 +0800</pubDate>
    </item>
    <item>
      <title>网络数据安全管理条例</title>
      <link> /zhengce/content/202601/content_7002.htm </link>
      <dc:date>2026-01-04</dc:date>
    </item>
  </channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>国家互联网信息办公室</title>
  <link rel="self" href="https://www.cac.gov.cn/atom.xml"/>
  <entry>
    <title type="text">个人信息出境认证办法</title>
    <link rel="enclosure" href="https://www.cac.gov.cn/files/a.pdf"/>
    <link rel="alternate" type="text/html" href="https://www.cac.gov.cn/2026-01/05/c_1.htm"/>
    <updated>2026-01-06T09:00:00+08:00</updated>
    <published>2026-01-05T09:00:00+08:00</published>
  </entry>
  <entry>
    <title>促进和规范数据跨境流动规定</title>
    <link rel="related" href="2026-01/04/c_2.htm"/>
    <updated>2026-01-04T10:00:00+08:00</updated>
  </entry>
  <entry>
    <title>没有链接的条目</title>
    <updated>2026-01-03T10:00:00+08:00</updated>
  </entry>
  <entry>
    <title>默认 rel 即 alternate</title>
    <link rel="self" href="/self.xml"/>
    <link href="/2026-01/02/c_3.htm"/>
  </entry>
</feed>
"""

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://www.miit.gov.cn/">
    <title>工业和信息化部</title>
    <link>https://www.miit.gov.cn/</link>
    <items><rdf:Seq><rdf:li rdf:resource="https://www.miit.gov.cn/a.html"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://www.miit.gov.cn/a.html">
    <title>工业和信息化领域数据安全管理办法(试行)</title>
    <link>https://www.miit.gov.cn/a.html</link>
    <dc:date>2026-01-05</dc:date>
  </item>
</rdf:RDF>
"""


def outcome(data: bytes) -> tuple[list[FeedEntry] | FeedError, float]:
    """parse_feed's result or FeedError, and the wall-clock seconds it took."""
    start = time.perf_counter()
    try:
        result: list[FeedEntry] | FeedError = parse_feed(data, BASE)
    except FeedError as err:
        result = err
    return result, time.perf_counter() - start


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.fixture(params=["scan", "no-scan"])
def scan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run once as is and once with the DOCTYPE scan before the real parse switched off."""
    if request.param == "no-scan":
        monkeypatch.setattr(feeds, "_refuse_doctype", lambda data: None)
    return str(request.param)


# --- feeds ---------------------------------------------------------------------------------


def test_rss2_items_with_chinese_titles_and_a_relative_link() -> None:
    assert parse_feed(RSS2.encode(), BASE) == [
        FeedEntry(
            title="国务院办公厅关于印发《数据安全 工作方案》的通知",
            link="https://www.gov.cn/zhengce/content/202601/content_7001.htm",
            published="Mon, 05 Jan 2026 09:30:00 +0800",
        ),
        FeedEntry(
            title="网络数据安全管理条例",
            link="https://www.gov.cn/zhengce/content/202601/content_7002.htm",
            published="2026-01-04",
        ),
    ]


def test_atom_entries_take_the_alternate_link_and_published_date() -> None:
    assert parse_feed(ATOM.encode(), "https://www.cac.gov.cn/atom.xml") == [
        FeedEntry(
            title="个人信息出境认证办法",
            link="https://www.cac.gov.cn/2026-01/05/c_1.htm",
            published="2026-01-05T09:00:00+08:00",
        ),
        FeedEntry(
            title="促进和规范数据跨境流动规定",
            link="https://www.cac.gov.cn/2026-01/04/c_2.htm",
            published="2026-01-04T10:00:00+08:00",
        ),
        FeedEntry(
            title="默认 rel 即 alternate",
            link="https://www.cac.gov.cn/2026-01/02/c_3.htm",
            published="",
        ),
    ]


def test_rss1_rdf_items_and_not_the_channel() -> None:
    assert parse_feed(RSS1.encode(), "https://www.miit.gov.cn/rss.xml") == [
        FeedEntry(
            title="工业和信息化领域数据安全管理办法(试行)",
            link="https://www.miit.gov.cn/a.html",
            published="2026-01-05",
        )
    ]


@pytest.mark.parametrize(
    ("declared", "codec", "title"),
    [
        ("GB18030", "gb18030", "\U00020000 数据出境安全评估办法"),
        ("gb2312", "gb2312", "数据出境安全评估办法"),
        ("GBK", "gbk", "数据出境安全评估办法·问答"),
    ],
)
def test_declared_chinese_encodings_decode(declared: str, codec: str, title: str) -> None:
    text = RSS2.replace("UTF-8", declared).replace("网络数据安全管理条例", title)
    entries = parse_feed(text.encode(codec), BASE)
    assert entries[1].title == title


def test_a_feed_in_gb18030_declared_as_utf8_is_refused_not_guessed() -> None:
    data = RSS2.replace("网络数据安全管理条例", "\U00020000").encode("gb18030")
    with pytest.raises(FeedError, match="not XML"):
        parse_feed(data, BASE)


def test_utf16_with_bom() -> None:
    data = RSS2.replace("UTF-8", "UTF-16").encode("utf-16")
    assert [e.title for e in parse_feed(data, BASE)][1] == "网络数据安全管理条例"


def test_entries_without_an_http_link_are_skipped() -> None:
    items = [
        "<item><title>无链接</title><pubDate>2026-01-01</pubDate></item>",
        "<item><title>空链接</title><link>  </link></item>",
        "<item><title>脚本</title><link>javascript:alert(1)</link></item>",
        "<item><title>本地文件</title><link>file:///etc/passwd</link></item>",
        "<item><title>坏主机</title><link>http://[::1/</link></item>",
        "<item><title>保留</title><link>/keep.htm</link></item>",
    ]
    data = f"<rss><channel>{''.join(items)}</channel></rss>".encode()
    assert parse_feed(data, BASE) == [FeedEntry("保留", "https://www.gov.cn/keep.htm", "")]


def test_xml_that_is_not_a_feed_is_refused_but_parse_xml_reads_it() -> None:
    sitemap = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>'
    with pytest.raises(FeedError, match="not a feed: root element <urlset>"):
        parse_feed(sitemap, BASE)
    assert etree.QName(parse_xml(sitemap)).localname == "urlset"


# --- entities and DTDs ---------------------------------------------------------------------


def billion_laughs(levels: int = 10, copies: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * copies}">' for i in range(1, levels)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{"".join(entities)}]>'
        f"<rss><channel><item><title>&lol{levels - 1};</title><link>/a</link></item>"
        "</channel></rss>"
    ).encode()


def quadratic_blowup() -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"A" * 100_000}">]>'
        f"<rss><channel><item><title>{'&a;' * 50_000}</title><link>/a</link></item>"
        "</channel></rss>"
    ).encode()


@pytest.mark.timeout(10)
@pytest.mark.parametrize("make", [billion_laughs, quadratic_blowup])
def test_entity_bombs_end_quickly_with_nothing_expanded(
    scan: str, make: Callable[[], bytes]
) -> None:
    data = make()
    before = peak_rss_kib()
    result, seconds = outcome(data)
    assert isinstance(result, FeedError)
    assert seconds < 1.0
    assert peak_rss_kib() - before < 100 * 1024  # an expansion would need gigabytes
    assert len(str(result)) < 300  # one line naming the cause, never expanded text
    if scan == "scan":
        assert str(result) == DOCTYPE_REFUSED


@pytest.mark.parametrize(
    "prolog",
    [
        "",
        '<?xml version="1.0" encoding="utf-8"?>\n',
        "\ufeff<?xml version='1.0'?><!-- 注释 --><?xml-stylesheet href='a.xsl'?>\n\n",
        f"<!-- {'注释' * 100_000} -->",  # longer than one chunk of the DOCTYPE scan
    ],
    ids=["none", "declaration", "bom-comment-pi", "long-comment"],
)
def test_a_doctype_after_any_prolog_is_refused(prolog: str) -> None:
    data = f"{prolog}<!DOCTYPE rss>{RSS2.split('?>', 1)[1]}".encode()
    for parse in (lambda: parse_feed(data, BASE), lambda: feeds._refuse_doctype(data)):
        with pytest.raises(FeedError) as caught:
            parse()
        assert str(caught.value) == DOCTYPE_REFUSED


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER)
    return path


def xxe_documents(secret: Path) -> dict[str, bytes]:
    """Ways to pull a local file into a feed: general, external-subset and parameter entities."""
    dtd = secret.with_name("evil.dtd")
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret.as_uri()}">')
    item = "<rss><channel><item><title>&leak;</title><link>/a</link></item></channel></rss>"
    return {
        "general": f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>{item}',
        "passwd": f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "file:///etc/passwd">]>{item}',
        "external-subset": f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">{item}',
        "parameter": f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]>{item}',
        "parameter-inline": (
            f'<!DOCTYPE rss [<!ENTITY % s SYSTEM "{secret.as_uri()}">'
            "<!ENTITY % w \"<!ENTITY leak '%s;'>\"> %w;]>" + item
        ),
    }


@pytest.mark.parametrize(
    "kind", ["general", "passwd", "external-subset", "parameter", "parameter-inline"]
)
def test_external_entities_are_refused_and_never_read(scan: str, secret: Path, kind: str) -> None:
    data = xxe_documents(secret)[kind].encode()
    result, _ = outcome(data)
    assert isinstance(result, FeedError)
    for leaked in (MARKER, "root:"):
        assert leaked not in str(result) and leaked not in repr(result)
    if scan == "scan":
        assert str(result) == DOCTYPE_REFUSED


@pytest.mark.parametrize(
    "kind", ["general", "passwd", "external-subset", "parameter", "parameter-inline"]
)
def test_the_hardened_parser_alone_never_reads_a_file(secret: Path, kind: str) -> None:
    data = xxe_documents(secret)[kind].encode()
    try:
        output = etree.tostring(feeds._parse_hardened(data), encoding="unicode")
    except etree.ParseError as err:
        output = str(err)
    assert MARKER not in output and "root:" not in output


@pytest.fixture
def http_hits() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every path it is asked for."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f'<!ENTITY leak "{MARKER}">'.encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_nothing_is_fetched_from_the_network(http_hits: tuple[str, list[str]]) -> None:
    url, hits = http_hits
    item = "<rss><channel><item><title>&leak;</title><link>/a</link></item></channel></rss>"
    documents = [
        f'<!DOCTYPE rss SYSTEM "{url}/subset.dtd">{item}',
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>{item}',
        f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "{url}/leak">]>{item}',
    ]
    for data in documents:
        try:
            output = etree.tostring(feeds._parse_hardened(data.encode()), encoding="unicode")
        except etree.ParseError as err:
            output = str(err)
        assert MARKER not in output
        with pytest.raises(FeedError):
            parse_feed(data.encode(), BASE)
    assert hits == []


# --- shapes that hang naive parsers ---------------------------------------------------------


@pytest.mark.timeout(10)
@pytest.mark.parametrize("depth", [300, 10_000, 100_000])
def test_deep_nesting_ends_quickly_in_feed_error(depth: int) -> None:
    """libxml2's default limit (256 levels, no huge_tree) stops the parse early."""
    data = b"<rss><channel>" + b"<item>" * depth + b"</item>" * depth + b"</channel></rss>"
    result, seconds = outcome(data)
    assert seconds < 1.0
    assert isinstance(result, FeedError)
    assert "depth" in str(result)


XMLITER_SHAPES = {
    "open-items": b"<rss><channel>" + b"<item " * 50_000 + b"</channel></rss>",
    "unclosed-items": b"<rss><channel>" + b"<item>" * 50_000 + b"</channel></rss>",
    "angle-quote-attribute": b'<rss><item a="' + b"<\"'" * 1_000_000 + b'"/></rss>',
    "angle-attribute": b'<rss><channel><item a="' + b"<'" * 1_000_000 + b'"/></channel></rss>',
    "unterminated-cdata": b"<rss><channel><item><title><![CDATA[" + b"<item>" * 300_000,
    "unterminated-comment": b"<rss><channel><!--" + b"<item></item>" * 300_000,
    "many-namespaces": b"<rss "
    + b"".join(b'xmlns:n%d="urn:%d" ' % (i, i) for i in range(50_000))
    + b"><channel/></rss>",
    "many-small-items": b"<rss><channel>"
    + b"<item><title>t</title><link>/x</link></item>" * 5_000
    + b"</channel></rss>",
}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("shape", XMLITER_SHAPES)
def test_xmliter_redos_shapes_end_quickly(shape: str) -> None:
    result, seconds = outcome(XMLITER_SHAPES[shape])
    assert seconds < 1.0
    if shape == "many-small-items":
        assert isinstance(result, list) and len(result) == 5_000
    elif shape == "many-namespaces":
        assert result == []
    else:
        assert isinstance(result, FeedError)


# --- broken input --------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_feed_is_refused(cut: float) -> None:
    data = RSS2.encode()
    with pytest.raises(FeedError, match=r"^not XML \(.+\): starts with '<\?xml"):
        parse_feed(data[: int(len(data) * cut)], BASE)


@pytest.mark.parametrize(
    "page",
    [
        '<script>document.cookie=("_")+("_")+("j")+"sl_clearance=1";location.href=location.pathname'
        "</script>",
        "<!DOCTYPE html><html><head><script>document.cookie='a=1'</script></head></html>",
        '<html><head><meta charset="utf-8"><script>document.cookie="a=1";</script></head></html>',
        "<html><body><script>if (a<b) {document.cookie='x'}</script></body></html>",
    ],
)
def test_an_html_challenge_page_is_not_xml(page: str) -> None:
    with pytest.raises(FeedError, match=r"""^not XML.*starts with ['"]<""") as caught:
        parse_feed(page.encode(), BASE)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("data", [b"", b"   \n", b"not xml at all", b"\x00\xff\xfe", b"{}"])
def test_non_xml_is_refused(data: bytes) -> None:
    with pytest.raises(FeedError, match=r"^not XML"):
        parse_feed(data, BASE)


def test_input_over_the_size_limit_is_refused() -> None:
    assert MAX_FEED_BYTES == 10 * 1024 * 1024
    head = RSS2.encode().rsplit(b"</channel>", 1)[0]
    room = 10 * 1024 * 1024 - len(head) - len(b"</channel></rss>") - 2 * len(b"<!---->")
    half = b"x" * (room // 2)  # libxml2 caps a single text or comment node at 10 MB
    padding = b"<!--" + half + b"--><!--" + half + b"x" * (room % 2) + b"-->"
    at_limit = head + padding + b"</channel></rss>"
    assert len(at_limit) == MAX_FEED_BYTES
    assert len(parse_feed(at_limit, BASE)) == 2
    with pytest.raises(FeedError, match="limit"):
        parse_feed(at_limit + b" ", BASE)


# --- anything else is FeedError ------------------------------------------------------------

TOKENS = [
    b"<rss>",
    b"</rss>",
    b"<channel>",
    b"<item>",
    b"</item>",
    b"<title>",
    b"</title>",
    b"<link>",
    b"</link>",
    b"http://[::1/",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<!DOCTYPE rss [",
    b'<!ENTITY a "x">',
    b"]>",
    b"&a;",
    b"&amp;",
    b"&#0;",
    b'<?xml version="1.0" encoding="gb18030"?>',
    b"\xef\xbb\xbf",
    b"\x81\x30",
    b"\xc3",
    b"<",
    b">",
    b'"',
    "数据".encode(),
]


def assert_feed_or_feed_error(data: bytes) -> None:
    try:
        entries = parse_feed(data, BASE)
    except FeedError as err:
        assert "\n" not in str(err)
    else:
        assert all(e.link.startswith(("http://", "https://")) for e in entries)


@settings(deadline=None)
@given(st.binary(max_size=2_000))
def test_random_bytes_raise_only_feed_error(data: bytes) -> None:
    assert_feed_or_feed_error(data)


@settings(deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_random_title_and_link_raise_only_feed_error(title: str, link: str) -> None:
    doc = f"<rss><channel><item><title>{title}</title><link>{link}</link></item></channel></rss>"
    assert_feed_or_feed_error(doc.encode("utf-8", "surrogatepass"))


@settings(deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soup_raises_only_feed_error(tokens: list[bytes]) -> None:
    assert_feed_or_feed_error(b"".join(tokens))
