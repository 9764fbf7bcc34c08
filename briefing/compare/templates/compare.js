// The comparison report's controls: filters, search, sorting and CSV export. The page
// reads everything from itself (the JSON block and its own elements) and fetches nothing,
// so it works opened from a file. The page inlines it whole, so it must never contain
// the closing tag of a script element.
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const $ = (id) => document.getElementById(id);
  const all = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const specs = new Map(data.metrics.map((m) => [m.key, m]));
  const ops = {
    "<": (a, b) => a < b,
    "<=": (a, b) => a <= b,
    ">": (a, b) => a > b,
    ">=": (a, b) => a >= b,
  };
  const controls = {
    search: $("search"),
    differ: $("f-differ"),
    failed: $("f-failed"),
    low: $("f-low"),
    rate: $("low-rate"),
    quotes: $("show-quotes"),
  };
  $("toolbar").hidden = false;
  $("csv-export").hidden = false;

  // Brief text per article and per (article, variant), read once: the search looks here.
  const texts = new Map();
  const add = (key, text) => texts.set(key, (texts.get(key) || "") + " " + text);
  for (const cell of all(".bcell")) {
    const text = cell.textContent.toLowerCase();
    add(cell.dataset.article, text);
    add(cell.dataset.article + "\u0000" + cell.dataset.variant, text);
  }
  const sameArticle = new Map(all("section.article").map((s) => [s.dataset.article, s.dataset.same === "1"]));

  // A value is below threshold when a rate that should be high is under the level set in
  // the toolbar, or when it breaks one of the gate's absolute rules.
  function isLow(metric, value) {
    const spec = specs.get(metric);
    const level = Number(controls.rate.value) / 100;
    if (spec && spec.kind === "rate" && spec.better === "higher" && value < level) return true;
    return data.rules.some((r) => r.metric === metric && ops[r.op](value, r.value));
  }

  function flagLowCells() {
    for (const td of all("td[data-metric]")) {
      const raw = td.dataset.value;
      td.classList.toggle("low", raw !== "" && isLow(td.dataset.metric, Number(raw)));
    }
  }

  function show(element, visible) {
    element.classList.toggle("hidden-by-filter", !visible);
    return visible;
  }

  function highlight(root, query) {
    for (const mark of all("mark", root)) mark.replaceWith(document.createTextNode(mark.textContent));
    root.normalize();
    if (!query) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.toLowerCase().includes(query)) found.push(node);
    }
    for (let node of found) {
      let at = node.nodeValue.toLowerCase().indexOf(query);
      while (at >= 0) {
        const match = node.splitText(at);
        node = match.splitText(query.length);
        const mark = document.createElement("mark");
        mark.textContent = match.nodeValue;
        match.replaceWith(mark);
        const quotes = mark.closest("details");
        if (quotes) quotes.open = true;
        at = node.nodeValue.toLowerCase().indexOf(query);
      }
    }
  }

  function apply() {
    flagLowCells();
    const query = controls.search.value.trim().toLowerCase();
    const differ = controls.differ.checked;
    const failed = controls.failed.checked;
    const low = controls.low.checked;
    for (const row of all("tr.mrow")) {
      show(row, (!differ || row.dataset.same !== "1") && (!low || row.querySelector("td.low") !== null));
    }
    let rows = 0;
    for (const row of all("#runs tbody tr")) {
      const key = row.dataset.article + "\u0000" + row.dataset.variant;
      rows += show(
        row,
        (!differ || !sameArticle.get(row.dataset.article)) &&
          (!failed || row.dataset.failed === "1") &&
          (!low || row.querySelector("td.low") !== null) &&
          (!query || (texts.get(key) || "").includes(query)),
      );
    }
    let articles = 0;
    const sections = all("section.article");
    for (const section of sections) {
      const visible = show(
        section,
        (!differ || section.dataset.same !== "1") &&
          (!failed || section.dataset.failed === "1") &&
          (!low || section.querySelector("td.low") !== null) &&
          (!query || (texts.get(section.dataset.article) || "").includes(query)),
      );
      articles += visible;
      for (const srow of all(".srow[data-section]", section)) {
        show(srow, !differ || srow.dataset.same !== "1");
      }
      highlight(section.querySelector(".side"), visible ? query : "");
    }
    $("shown").value = `${articles} of ${sections.length} articles, ${rows} of ${data.rows.length} rows`;
  }

  // Sorting the table of every article and variant: a column's name toggles its order.
  const sortKey = (row, column) => {
    if (["article", "variant", "model"].includes(column)) return row[column] || "";
    if (column === "failed") return row.failed;
    return row.values[Number(column)];
  };
  for (const th of all("#runs thead th[data-col]")) {
    th.querySelector("button").addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of all("#runs thead th")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = document.querySelector("#runs tbody");
      const order = all("tr", body).map((tr) => ({ tr, i: Number(tr.dataset.row) }));
      order.sort((a, b) => {
        const x = sortKey(data.rows[a.i], th.dataset.col);
        const y = sortKey(data.rows[b.i], th.dataset.col);
        // Missing values go last in either order; ties keep the original order.
        if (x === null || y === null) return x === y ? a.i - b.i : x === null ? 1 : -1;
        const c = typeof x === "string" ? x.localeCompare(y) : x - y;
        return (ascending ? c : -c) || a.i - b.i;
      });
      for (const { tr } of order) body.appendChild(tr);
    });
  }

  // CSV of the table as shown (its visible rows, in their order), then each variant's
  // all-articles mean; numbers unformatted (rates as fractions). A text cell that a
  // spreadsheet would read as a formula is prefixed with a quote.
  function csvCell(value) {
    if (value === null || value === undefined) return "";
    let text = String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csv() {
    const lines = [["article", "variant", "model", "runs", "failed", ...data.metrics.map((m) => m.key)]];
    for (const tr of all("#runs tbody tr")) {
      if (tr.classList.contains("hidden-by-filter")) continue;
      const r = data.rows[Number(tr.dataset.row)];
      lines.push([r.article, r.variant, r.model, r.runs, r.failed, ...r.values]);
    }
    for (const m of data.means) lines.push(["all articles (mean)", m.variant, null, null, null, ...m.values]);
    return lines.map((line) => line.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }
  $("csv-export").addEventListener("click", () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([csv()], { type: "text/csv;charset=utf-8" }));
    link.download = "comparison.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  });

  controls.quotes.addEventListener("change", () => {
    for (const d of all("details.quotes")) d.open = controls.quotes.checked;
  });
  for (const name of ["search", "differ", "failed", "low", "rate"]) {
    controls[name].addEventListener("input", apply);
  }
  apply();
})();
