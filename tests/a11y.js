// A hand-written accessibility check, run in the page by tests/a11y.py. Returns a list of
// problems (empty when the page passes):
// - every visible input, select and textarea has a label: label[for], a wrapping label,
//   aria-label or aria-labelledby;
// - every id named by aria-describedby or aria-labelledby exists;
// - text contrast is at least 4.5:1 (WCAG 2 relative luminance), from the computed text
//   colour and the effective background (backgrounds composited up to the canvas).
() => {
  const problems = [];
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
    return `${el.tagName.toLowerCase()}${id}${cls}`;
  };
  const visible = (el) => (el.checkVisibility ? el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) : el.getClientRects().length > 0);

  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !visible(el)) continue;
    const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const wrapped = el.closest("label");
    const aria = (el.getAttribute("aria-label") || "").trim();
    const labelledBy = (el.getAttribute("aria-labelledby") || "").trim();
    const text = (node) => (node ? node.textContent.trim() : "");
    if (!(text(byFor) || text(wrapped) || aria || labelledBy)) problems.push(`no label: ${describe(el)}`);
  }

  for (const attr of ["aria-describedby", "aria-labelledby"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${attr} names a missing id "${id}": ${describe(el)}`);
      }
    }
  }

  const parse = (value) => {
    const m = value.match(/rgba?\(([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:[ ,/]+([\d.]+%?))?\)/);
    if (!m) return null;
    let a = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [parseFloat(m[1]), parseFloat(m[2]), parseFloat(m[3]), a];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const canvas = () => {
    // What shows behind everything: the root's background, else the body's (CSS
    // propagates it to the canvas), else the browser's default for the colour scheme.
    for (const el of [document.documentElement, document.body]) {
      const bg = parse(getComputedStyle(el).backgroundColor);
      if (bg && bg[3] > 0) return over(bg, [255, 255, 255, 1]);
    }
    const dark = matchMedia("(prefers-color-scheme: dark)").matches && getComputedStyle(document.documentElement).colorScheme.includes("dark");
    return dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) {
        layers.push(bg);
        if (bg[3] >= 1) break;
      }
    }
    let result = layers.length && layers[layers.length - 1][3] >= 1 ? [0, 0, 0, 0] : canvas();
    for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
    return result;
  };
  const luminance = ([r, g, b]) => {
    const channel = (c) => {
      c /= 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (["OPTION", "SCRIPT", "STYLE", "TITLE"].includes(el.tagName) || !visible(el)) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) {
      problems.push(`unreadable colour ${style.color}: ${describe(el)}`);
      continue;
    }
    const bg = background(el);
    const text = over(fg, bg);
    const [l1, l2] = [luminance(text), luminance(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < 4.5) {
      problems.push(`contrast ${ratio.toFixed(2)}:1 < 4.5:1 (${style.color} on rgb(${bg.slice(0, 3).map(Math.round).join(", ")})): ${describe(el)} "${node.textContent.trim().slice(0, 40)}"`);
    }
  }
  return problems;
}
