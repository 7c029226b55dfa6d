"""What a person would see, checked in the page itself (Chromium, through Playwright): each check returns the
problems it found as sentences, so a test asserts an empty list and a negative control asserts a non-empty one.

Charts render as SVG (`onehalton.charts`), so their plot area, marks, titles and axis labels are in the DOM.
"""

from __future__ import annotations

from urllib.parse import urlparse

MIN_PLOT_HEIGHT = 200
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

_CHARTS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]')).map((el, i) => {
  const box = el.getBoundingClientRect();
  const svg = el.querySelector('svg.marks');
  const out = {i, width: box.width, height: box.height, svg: !!svg, plot: 0, marks: 0, title: '', clipped: [],
               axes: []};
  if (!svg) return out;
  const s = svg.getBoundingClientRect();
  const background = svg.querySelector('g.role-frame.root path.background') || svg.querySelector('path.background');
  out.plot = background ? background.getBoundingClientRect().height : 0;
  // Every group of marks but the labels written beside reference lines.
  out.marks = Array.from(svg.querySelectorAll('g.role-mark')).filter(g => !g.classList.contains('mark-text'))
    .reduce((n, g) => n + g.querySelectorAll('path, line, circle, rect').length, 0);
  const texts = Array.from(svg.querySelectorAll('g.role-title-text text, g.role-title text'));
  out.title = texts.map(t => t.textContent).join(' ');
  for (const t of texts) {
    const r = t.getBoundingClientRect();
    if (r.top < s.top - 1 || r.left < s.left - 1 || r.right > s.right + 1 || r.top < box.top - 1)
      out.clipped.push(t.textContent);
  }
  if (s.bottom > box.bottom + 2 || s.right > box.right + 2) out.clipped.push('(the chart overflows its frame)');
  for (const axis of svg.querySelectorAll('g.role-axis')) {
    const label = axis.getAttribute('aria-label') || '';
    const m = label.match(/discrete scale with (\\d+) value/);
    if (!m) continue;
    const shown = Array.from(axis.querySelectorAll('g.role-axis-label text'))
      .filter(t => t.textContent.trim() && (t.getAttribute('opacity') || '1') !== '0'
                   && getComputedStyle(t).opacity !== '0').length;
    out.axes.push({label: label.slice(0, 80), categories: Number(m[1]), shown});
  }
  return out;
})"""


def chart_problems(page, where: str) -> list[str]:
    """Every drawn chart: plot at least 200 px tall, some marks, title inside the chart, every category labelled."""
    problems = []
    for chart in page.evaluate(_CHARTS_JS):
        name = f"{where}: chart {chart['i'] + 1} ({chart['title'] or 'untitled'})"
        if chart["width"] == 0:
            continue  # in a closed tab or expander: not on screen
        if not chart["svg"]:
            problems.append(f"{name} drew nothing")
            continue
        if chart["plot"] < MIN_PLOT_HEIGHT:
            problems.append(f"{name} has a plot area {chart['plot']:.0f} px tall (at least {MIN_PLOT_HEIGHT})")
        if chart["marks"] == 0:
            problems.append(f"{name} draws no mark")
        if chart["clipped"]:
            problems.append(f"{name} is clipped: {chart['clipped']}")
        for axis in chart["axes"]:
            if axis["shown"] < axis["categories"]:
                problems.append(f"{name} labels {axis['shown']} of its {axis['categories']} bars ({axis['label']})")
    return problems


def watch(page) -> dict[str, list[str]]:
    """Record console errors, page errors and requests to other hosts from now on. Requests to other hosts are
    answered here with an error, so nothing leaves the machine."""
    seen: dict[str, list[str]] = {"console": [], "errors": [], "external": [], "failed": []}
    page.on("console", lambda message: seen["console"].append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("response", lambda response: seen["failed"].append(response.url) if response.status >= 400 else None)

    def route(request_route):
        host = urlparse(request_route.request.url).hostname or ""
        if request_route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            request_route.continue_()
        else:
            seen["external"].append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return seen


def _base_path_probe(url: str) -> bool:
    """Streamlit's frontend, opened at a page's path (/budget), first asks /budget/_stcore/health and
    /budget/_stcore/host-config to find the server's base path, gets 404 and falls back to /: its own probe,
    logged as a console error, and nothing the dashboard can change."""
    path = urlparse(url).path
    return path.count("/") >= 3 and path.endswith(("/_stcore/health", "/_stcore/host-config"))


def watched_problems(seen: dict[str, list[str]], where: str) -> list[str]:
    probes = sum(1 for u in seen["failed"] if _base_path_probe(u))
    console = list(seen["console"])
    for _ in range(probes):  # each probe logs one "Failed to load resource" line; every other one still counts
        failed = next((m for m in console if m.startswith("Failed to load resource") and "404" in m), None)
        if failed is not None:
            console.remove(failed)
    problems = [f"{where}: console error: {m[:200]}" for m in console]
    problems += [f"{where}: request failed: {u[:160]}" for u in seen["failed"] if not _base_path_probe(u)]
    problems += [f"{where}: page error: {m[:200]}" for m in seen["errors"]]
    problems += [f"{where}: asked another host for {u[:120]}" for u in seen["external"]]
    return problems


def board_problems(page, height: int) -> list[str]:
    """Every headline KPI's name, value and icons on the first screen (no scrolling)."""
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('tr[data-kpi]')).map(r => {
        const cells = Array.from(r.querySelectorAll('.oh-name, .oh-value, .oh-icon img'));
        return {kpi: r.getAttribute('data-kpi'),
                bottom: Math.max(...cells.map(c => c.getBoundingClientRect().bottom)),
                hidden: cells.some(c => c.getBoundingClientRect().height === 0)}; })""")
    if not rows:
        return ["the board summary shows no KPI"]
    return [
        f"KPI {r['kpi']} is not fully visible on the first screen (bottom at {r['bottom']:.0f} px of {height})"
        for r in rows
        if r["bottom"] > height or r["hidden"]
    ]


# ----------------------------------------------------------------------------------------------
# Presentation mode: type a room can read, on one screen

_SMALL_TEXT_JS = """min => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('style, script, noscript, title, desc')) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden for screen readers (a skip link)
    let rects;
    if (el instanceof SVGElement) {
      rects = [el.getBoundingClientRect()];
    } else {
      const range = document.createRange();
      range.selectNodeContents(node);
      rects = Array.from(range.getClientRects());
    }
    const onScreen = rects.some(r => r.width > 1 && r.height > 1 && r.bottom > 0 && r.right > 0
                                     && r.top < innerHeight && r.left < innerWidth);
    if (!onScreen) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min) out.push({text: text.slice(0, 60), size, tag: el.tagName.toLowerCase(),
                              svg: el instanceof SVGElement});
  }
  return out;
}"""


def small_text_problems(page, where: str, min_px: float = 24) -> list[str]:
    """Every piece of text on screen (HTML and the charts' SVG) drawn at `min_px` or larger."""
    return [
        f"{where}: {'chart ' if t['svg'] else ''}text {t['text']!r} ({t['tag']}) is {t['size']:g} px, "
        f"under {min_px:g} px"
        for t in page.evaluate(_SMALL_TEXT_JS, min_px)
    ]


_FIT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const footer = document.querySelector('.st-key-oh-present-footer');
  const out = {scroll: main ? main.scrollHeight - main.clientHeight : 0,
               page: document.scrollingElement.scrollHeight - innerHeight, height: innerHeight,
               footerTop: footer ? footer.getBoundingClientRect().top : innerHeight,
               footerBottom: footer ? footer.getBoundingClientRect().bottom : 0, below: []};
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!block) return out;
  for (const el of block.querySelectorAll('[data-testid="stElementContainer"]')) {
    if (footer && footer.contains(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height > 0 && r.bottom > out.footerTop + 1)
      out.below.push(`${el.innerText.slice(0, 40)} (to ${r.bottom | 0} px)`);
  }
  return out;
}"""


def fit_problems(page, where: str) -> list[str]:
    """The screen fits the window: nothing to scroll to, and nothing under the footer (when there is one)."""
    fit = page.evaluate(_FIT_JS)
    problems = []
    if fit["scroll"] > 1 or fit["page"] > 1:
        problems.append(f"{where}: needs scrolling ({max(fit['scroll'], fit['page'])} px more than the window)")
    if fit["footerBottom"] > fit["height"] + 1:
        problems.append(f"{where}: the footer ends at {fit['footerBottom']:.0f} px, below the window")
    problems += [f"{where}: {b} runs under the footer at {fit['footerTop']:.0f} px" for b in fit["below"]]
    return problems
