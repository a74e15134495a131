"""The chat's pure HTML: markers that carry their citation, sources, timings, the reader's
`<mark>`, and escaping of everything that comes from articles or the model."""

from html.parser import HTMLParser

from rag.types import Answer, Chunk, Citation, Document, Passage
from ui.render_html import (
    Turn,
    answer_html,
    document_html,
    sources_html,
    timings_html,
    transcript_html,
)

TEXT = "Intro line.\nPatrushev called AUKUS a new NATO. Other news <b>here</b> & more."
SENTENCE = "Patrushev called AUKUS a new NATO."
S = TEXT.index(SENTENCE)


def passage(rank: int = 1, doc_id: str = "a.txt", title: str = "T <i>1</i>") -> Passage:
    chunk = Chunk(f"{doc_id}::0", doc_id, 12, len(TEXT), TEXT[12:])
    return Passage(rank, chunk, 0.5, title, source="Iran Press", published_at="2022-05-30")


def citation(n: int = 1, verified: bool = True) -> Citation:
    return Citation(n, passage(n), S, S + len(SENTENCE), SENTENCE, verified)


class Elements(HTMLParser):
    """Collects (tag, attrs, text) so tests check structure, not string layout."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None], str]] = []
        self._open: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs), ""))
        self._open.append(len(self.found) - 1)

    def handle_endtag(self, tag):
        for i in reversed(self._open):
            if self.found[i][0] == tag:
                self._open.remove(i)
                break

    def handle_data(self, data):
        for i in self._open:
            tag, attrs, text = self.found[i]
            self.found[i] = (tag, attrs, text + data)

    def by(self, tag: str) -> list[tuple[dict[str, str | None], str]]:
        return [(a, t) for g, a, t in self.found if g == tag]


def test_markers_carry_citation_and_document_span():
    html = answer_html("AUKUS is a new NATO [1].", [citation(1)])
    buttons = Elements(html).by("button")
    assert len(buttons) == 1
    attrs, text = buttons[0]
    assert text == "[1]"
    assert attrs["data-citation"] == "1" and attrs["data-doc"] == "a.txt"
    assert (int(attrs["data-start"]), int(attrs["data-end"])) == (S, S + len(SENTENCE))
    assert (attrs["data-passage-start"], attrs["data-passage-end"]) == ("12", str(len(TEXT)))
    assert "unverified" not in html


def test_combined_marker_becomes_one_element_per_number():
    html = answer_html("A claim [1, 2].", [citation(1), citation(2)])
    assert [a["data-citation"] for a, _ in Elements(html).by("button")] == ["1", "2"]


def test_unverified_sentence_is_marked_and_verified_one_is_not():
    text = "First claim [1]. Second claim [2]."
    html = answer_html(text, [citation(1, verified=True), citation(2, verified=False)])
    spans = [t for a, t in Elements(html).by("span") if a.get("class") == "unverified"]
    assert len(spans) == 1 and "Second claim" in spans[0] and "First" not in spans[0]


def test_streaming_markers_are_shown_but_not_openable():
    html = answer_html("Partial answer [1")  # no citations yet: None means still streaming
    assert "<button" not in html and "Partial answer [1" in html
    html = answer_html("Partial [2] answer")
    ((attrs, text),) = Elements(html).by("span")
    assert attrs["data-citation"] == "2" and "data-doc" not in attrs and text == "[2]"


def test_model_and_article_text_are_escaped():
    html = answer_html('<script>alert("x")</script> & [1]', [citation(1)])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    html = sources_html([citation(1)])
    assert "<i>" not in html and "T &lt;i&gt;1&lt;/i&gt;" in html
    doc = Document("x.txt", "a <script>b</script> c", title="<b>t</b>", source="S&P")
    html = document_html(doc, (2, 10))
    assert "<script>" not in html and "<b>t" not in html and "S&amp;P" in html


def test_sources_show_title_outlet_date_and_open_the_reader():
    html = sources_html([citation(1), citation(2, verified=False)])
    links = Elements(html).by("a")
    assert [a["data-source"] for a, _ in links] == ["1", "2"]
    assert all(a["data-doc"] == "a.txt" for a, _ in links)
    assert "Iran Press, 2022-05-30" in html and "unverified" in html
    assert sources_html([]) == ""


def test_timings_in_seconds_and_milliseconds():
    html = timings_html({"retrieve": 29.4, "first_token": 5234.0, "total": 9100.0}, "m")
    assert "retrieve 29 ms" in html and "first token 5.2 s" in html and "total 9.1 s" in html
    ((attrs, _),) = Elements(html).by("div")
    assert attrs["data-first-token-ms"] == "5234" and attrs["data-total-ms"] == "9100"


def test_document_marks_the_cited_sentence_inside_the_passage():
    doc = Document("a.txt", TEXT, title="Title", source="Iran Press", published_at="2022-05-30")
    html = document_html(doc, (S, S + len(SENTENCE)), (12, len(TEXT)))
    els = Elements(html)
    ((_, marked),) = els.by("mark")
    assert marked == SENTENCE
    passages = [t for a, t in els.by("span") if a.get("class") == "passage"]
    assert passages == [TEXT[12:]]
    assert "Iran Press · 2022-05-30" in html and "<h3>Title</h3>" in html
    assert "Other news &lt;b&gt;here&lt;/b&gt; &amp; more." in html


def test_document_spans_from_the_browser_are_clamped_and_checked():
    doc = Document("a.txt", "abcdef", title="t")
    assert Elements(document_html(doc, (4, 999))).by("mark")[0][1] == "ef"
    assert Elements(document_html(doc, (-5, 2))).by("mark")[0][1] == "ab"
    assert Elements(document_html(doc, (3, 3))).by("mark") == []  # empty span: nothing marked
    # A passage that does not contain the sentence is dropped; the sentence is still marked.
    els = Elements(document_html(doc, (0, 2), (3, 6)))
    assert els.by("mark")[0][1] == "ab"
    assert [t for a, t in els.by("span") if a.get("class") == "passage"] == ["ab"]
    # Only a passage: the passage itself is marked.
    assert Elements(document_html(doc, None, (1, 3))).by("mark")[0][1] == "bc"


def test_transcript_shows_hint_when_empty_and_rewritten_query_when_used():
    assert "Add articles" in transcript_html([], "Add articles here")
    answer = Answer(
        question="What did he say?",
        text="He said so [1].",
        abstained=False,
        model="m",
        passages=[passage()],
        citations=[citation(1)],
        timings_ms={"retrieve": 1.0, "first_token": 2.0, "total": 3.0},
        search_query="What did Patrushev say?",
    )
    html = transcript_html([Turn("What did he say?", answer), Turn("Next?", streaming="Wor")])
    assert "Searched for: What did Patrushev say?" in html
    assert html.count('class="turn"') == 2 and "Wor" in html


def test_sources_name_the_pdf_page_and_the_other_outlets_of_the_story():
    from dataclasses import replace

    c = citation(1)
    # The passage starts on page 2, and page 3 starts inside it after the cited sentence.
    on_pages = replace(c.passage, page=2, page_breaks=((3, c.end + 5),))
    pdf = replace(c, passage=on_pages)
    html = sources_html([pdf], also_in={"a.txt": ["AP News", "<Reuters>"]})
    assert "p. 2" in html and "pp." not in html
    assert "also in: AP News, &lt;Reuters&gt;" in html
    assert on_pages.pages(c.start, c.end + 10) == "pp. 2-3"
    assert "also in" not in sources_html([c]) and "p. " not in sources_html([c])


def test_the_reader_marks_each_attribution_with_its_speaker():
    from ui.render_html import document_html

    text = 'Smith said the plan works. "It is dangerous," Jones warned. The end.'
    doc = Document(doc_id="d.txt", text=text, title="t")
    said = [(11, 25, "Ann Smith"), (27, 43, "Bo Jones")]
    html = document_html(doc, (27, 60), None, said)
    smith = '<span class="said" data-speaker="Ann Smith" title="Ann Smith">the plan works</span>'
    assert smith in html
    # The cited sentence carries the speaker who covers it, and no span crosses the mark.
    assert '<mark id="cited" data-speaker="Bo Jones" title="Bo Jones">' in html
    assert html.count('class="said"') == 1
    import html as html_lib
    import re

    plain = re.sub(r"<[^>]+>", "", html.split('class="doctext">')[1])
    assert html_lib.unescape(plain).startswith(text)


def test_while_the_model_reads_the_turn_names_the_articles_being_read():
    turn = Turn("What did Patrushev say?")
    read = [passage(1, "a.txt", "First <b>"), passage(2, "a.txt"), passage(3, "b.txt", "Two")]
    turn.reading(read)
    html = transcript_html([turn])
    # One line per article (a.txt once), title escaped, with outlet and date.
    assert "Reading 2 articles: First &lt;b&gt; (Iran Press, 2022-05-30); Two (Iran Press" in html
