"""The self-contained HTML report: tables, plots and a trajectory viewer in one file.

Everything is inline (CSS, JavaScript, the PNGs as data URIs, the episodes as JSON), so the file
can be mailed, archived or opened offline. Model output is untrusted text: the tables are
escaped on the server and the viewer only ever sets ``textContent``.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medagentgym.trajectory import Episode

if TYPE_CHECKING:
    from medagentgym.runs.report import RunResult

MAX_TEXT = 4000
"""Longer texts are cut (head and tail kept) in the embedded copy; the run directory has them whole."""


def _cut(text: Any) -> str:
    text = "" if text is None else str(text)
    if len(text) <= MAX_TEXT:
        return text
    head, tail = MAX_TEXT * 3 // 4, MAX_TEXT // 4
    return f"{text[:head]}\n[... {len(text) - head - tail:,} characters not shown ...]\n{text[-tail:]}"


def verdict(episode: Episode) -> str:
    """success, failure (answered wrong or never), truncated (out of budget) or infra_error."""
    if episode.status == "infra_error":
        return "infra_error"
    if episode.success:
        return "success"
    return "truncated" if episode.status == "truncated" else "failure"


def _episode_data(episode: Episode, run: int, texts: dict[str, int]) -> dict[str, Any]:
    system = episode.messages[0].get("content") if episode.messages else ""
    task = episode.messages[1].get("content") if len(episode.messages) > 1 else ""
    steps = [
        {
            "raw": _cut(
                step.raw if step.raw or not step.tool_calls else json.dumps(step.tool_calls, indent=1)
            ),
            "actions": [
                {
                    "name": a.get("name"),
                    "params": _cut(json.dumps(a.get("params"), ensure_ascii=False)),
                    "error": a.get("error"),
                }
                for a in step.actions
            ],
            "observation": _cut(step.observation_text),
            "reward": step.reward,
            "verdict": step.verdict and {k: step.verdict.get(k) for k in ("correct", "message", "submitted")},
            "seconds": round(sum(step.timings.values()), 3),
            "tokens": (step.model or {}).get("completion_tokens"),
        }
        for step in episode.steps
    ]
    return {
        "run": run,
        "id": episode.episode_id,
        "task": episode.task_id,
        "family": episode.family,
        "category": episode.category,
        "sample": episode.sample,
        "verdict": verdict(episode),
        "score": episode.score,
        "termination": episode.termination,
        "error": episode.error,
        "seconds": round(episode.duration_s, 2),
        "tokens": int(episode.usage.get("prompt_tokens", 0) + episode.usage.get("completion_tokens", 0)),
        "cost": episode.usage.get("cost_usd", 0.0),
        "system": texts.setdefault(_cut(system), len(texts)),
        "prompt": _cut(task),
        "steps": steps,
    }


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(key, row.get(key)))}</td>" for key, _ in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and (key.startswith(("success", "ci95", "pass", "best"))):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.4f}" if "cost" in key else f"{value:,.1f}"
    return str(value)


def _png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def render_html(
    runs: Sequence[RunResult], board: Sequence[dict[str, Any]], success_png: Path, passk_png: Path
) -> str:
    """The report page."""
    texts: dict[str, int] = {}
    episodes = [_episode_data(e, i, texts) for i, run in enumerate(runs) for e in run.episodes]
    data = {
        "runs": [r.label for r in runs],
        "texts": list(texts),
        "episodes": episodes,
    }
    ks = sorted(
        {k for row in board for k in row if k.startswith(("pass@", "pass^", "best@"))},
        key=lambda k: (k[:5], len(k), k),
    )
    leaderboard = [
        ("run", "run"),
        ("episodes", "episodes"),
        ("success_rate", "success"),
        ("ci95_low", "95% CI low"),
        ("ci95_high", "95% CI high"),
        ("infra_errors", "infra errors"),
    ]
    leaderboard += [(k, k) for k in ks]
    leaderboard += [
        ("mean_steps", "steps"),
        ("mean_prompt_tokens", "prompt tok"),
        ("mean_completion_tokens", "completion tok"),
        ("mean_cost_usd", "cost $/ep"),
        ("mean_wall_s", "wall s/ep"),
    ]
    families = [
        {"run": r.label, "family": f, **s, "ci95": f"{s['ci95'][0]:.1%} – {s['ci95'][1]:.1%}"}
        for r in runs
        for f, s in r.by_family.items()
    ]
    family_columns = [
        ("run", "run"),
        ("family", "family"),
        ("n", "episodes"),
        ("success_rate", "success"),
        ("ci95", "95% CI"),
    ]
    family_columns += [("mean_steps", "steps"), ("infra_errors", "infra errors")]
    # <, > and & as JSON escapes: no text inside the <script> element can end or re-open it
    payload = json.dumps(data, ensure_ascii=False, default=str)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    replacements = {
        "%%GENERATED%%": html.escape(dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        "%%RUNS%%": html.escape(", ".join(r.label for r in runs)),
        "%%LEADERBOARD%%": _table(board, leaderboard),
        "%%FAMILIES%%": _table(families, family_columns),
        "%%SUCCESS_PNG%%": _png(success_png),
        "%%PASSK_PNG%%": _png(passk_png),
        "%%DATA%%": payload,
    }
    page = TEMPLATE
    for marker, value in replacements.items():
        page = page.replace(marker, value)
    return page


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MedAgentGym report</title>
<style>
:root { --fg:#1d2330; --muted:#5b6475; --line:#dde2ea; --bg:#f6f8fb; --ok:#1a7f37; --bad:#b42318; --warn:#9a6700; --infra:#6e40c9; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--fg); background:var(--bg); }
header { background:#14314f; color:#fff; padding:14px 24px; }
header h1 { margin:0; font-size:20px; } header p { margin:2px 0 0; color:#c9d6e6; font-size:13px; }
main { padding:16px 24px; max-width:1500px; margin:auto; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; margin-bottom:16px; }
h2 { font-size:16px; margin:0 0 10px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { border-bottom:1px solid var(--line); padding:4px 8px; text-align:right; white-space:nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align:left; }
th { background:#eef2f7; position:sticky; top:0; }
.scroll { overflow-x:auto; }
.plots { display:flex; gap:16px; flex-wrap:wrap; } .plots img { max-width:calc(50% - 8px); min-width:420px; height:auto; border:1px solid var(--line); border-radius:6px; }
.viewer { display:grid; grid-template-columns: minmax(260px, 34%) 1fr; gap:12px; min-height:520px; }
.filters { display:flex; gap:8px; flex-wrap:wrap; margin-bottom:8px; align-items:center; }
.filters select, .filters input { font:inherit; padding:3px 6px; border:1px solid var(--line); border-radius:5px; }
#list { overflow-y:auto; max-height:640px; border:1px solid var(--line); border-radius:6px; }
.item { padding:6px 10px; border-bottom:1px solid var(--line); cursor:pointer; display:flex; justify-content:space-between; gap:8px; }
.item:hover { background:#f0f4fa; } .item.active { background:#e2ecf8; }
.item .id { font-family:ui-monospace,monospace; font-size:12px; overflow:hidden; text-overflow:ellipsis; }
.badge { font-size:11px; padding:1px 7px; border-radius:10px; color:#fff; white-space:nowrap; }
.b-success { background:var(--ok); } .b-failure { background:var(--bad); } .b-truncated { background:var(--warn); } .b-infra_error { background:var(--infra); }
#detail { overflow-y:auto; max-height:680px; }
.meta { display:flex; gap:14px; flex-wrap:wrap; color:var(--muted); font-size:13px; margin-bottom:8px; }
.step { border:1px solid var(--line); border-radius:6px; margin:8px 0; }
.step h3 { margin:0; font-size:13px; padding:5px 10px; background:#eef2f7; display:flex; justify-content:space-between; }
.step .body { padding:6px 10px; }
.label { font-size:11px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin-top:6px; }
pre { margin:2px 0 4px; padding:6px 8px; background:#f7f8fa; border:1px solid #e8ebf0; border-radius:4px; white-space:pre-wrap; word-break:break-word; font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace; max-height:320px; overflow:auto; }
.err { color:var(--bad); } .ok { color:var(--ok); }
details summary { cursor:pointer; color:var(--muted); }
.count { color:var(--muted); font-size:13px; }
</style></head>
<body>
<header><h1>MedAgentGym evaluation report</h1><p>Runs: %%RUNS%% &middot; generated %%GENERATED%%</p></header>
<main>
<section><h2>Leaderboard</h2><div class="scroll">%%LEADERBOARD%%</div>
<p class="count">Success excludes infrastructure errors (counted apart). 95% CI: Wilson score interval over tasks. pass@k: unbiased estimator; pass^k: all k samples succeed.</p></section>
<section><h2>By family</h2><div class="scroll">%%FAMILIES%%</div></section>
<section><h2>Plots</h2><div class="plots"><img alt="success by family and model" src="%%SUCCESS_PNG%%"><img alt="pass@k curves" src="%%PASSK_PNG%%"></div></section>
<section><h2>Trajectories</h2>
<div class="filters">
  <label>Run <select id="f-run"></select></label>
  <label>Family <select id="f-family"></select></label>
  <label>Verdict <select id="f-verdict"><option value="">all</option><option>success</option><option>failure</option><option>truncated</option><option>infra_error</option></select></label>
  <input id="f-text" type="search" placeholder="task id contains...">
  <span class="count" id="f-count"></span>
</div>
<div class="viewer"><div id="list"></div><div id="detail"></div></div>
</section>
</main>
<script type="application/json" id="data">%%DATA%%</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var runSel = document.getElementById("f-run"), famSel = document.getElementById("f-family");
  var verdictSel = document.getElementById("f-verdict"), textIn = document.getElementById("f-text");
  var list = document.getElementById("list"), detail = document.getElementById("detail"), count = document.getElementById("f-count");
  var current = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function option(select, value, label) { var o = el("option", null, label); o.value = value; select.appendChild(o); }
  option(runSel, "", "all");
  data.runs.forEach(function (label, i) { option(runSel, String(i), label); });
  option(famSel, "", "all");
  Array.from(new Set(data.episodes.map(function (e) { return e.family; }))).sort().forEach(function (f) { option(famSel, f, f); });

  function matches(e) {
    return (runSel.value === "" || String(e.run) === runSel.value) &&
      (famSel.value === "" || e.family === famSel.value) &&
      (verdictSel.value === "" || e.verdict === verdictSel.value) &&
      (textIn.value === "" || e.task.indexOf(textIn.value) >= 0);
  }
  function block(parent, label, text, cls) {
    parent.appendChild(el("div", "label", label));
    parent.appendChild(el("pre", cls || null, text));
  }
  function show(e) {
    current = e;
    Array.prototype.forEach.call(list.children, function (n) { n.classList.toggle("active", n.episode === e); });
    detail.textContent = "";
    var title = el("h2", null, e.task + "  (sample " + e.sample + ")");
    detail.appendChild(title);
    var meta = el("div", "meta");
    [["run", data.runs[e.run]], ["family", e.family], ["category", e.category], ["verdict", e.verdict],
     ["score", e.score], ["steps", e.steps.length], ["ended", e.termination], ["tokens", e.tokens],
     ["cost $", e.cost.toFixed(4)], ["seconds", e.seconds]].forEach(function (kv) {
      meta.appendChild(el("span", null, kv[0] + ": " + kv[1]));
    });
    detail.appendChild(meta);
    if (e.error) block(detail, "error", e.error, "err");
    var sys = el("details"); sys.appendChild(el("summary", null, "system prompt"));
    sys.appendChild(el("pre", null, data.texts[e.system])); detail.appendChild(sys);
    block(detail, "task", e.prompt);
    e.steps.forEach(function (s, i) {
      var box = el("div", "step"), head = el("h3");
      head.appendChild(el("span", null, "step " + (i + 1) + ": " + (s.actions.map(function (a) { return a.name || "unparsed"; }).join(", ") || "no action")));
      head.appendChild(el("span", null, (s.tokens ? s.tokens + " tok, " : "") + s.seconds + " s"));
      box.appendChild(head);
      var body = el("div", "body");
      block(body, "model output (raw)", s.raw || "(empty)");
      s.actions.forEach(function (a) {
        if (a.error) block(body, "parse error", a.error, "err");
        else block(body, "action " + a.name, a.params);
      });
      block(body, "observation", s.observation);
      if (s.verdict) block(body, "verdict", (s.verdict.correct ? "correct" : "wrong") + ": submitted " + s.verdict.submitted + " (" + s.verdict.message + ")", s.verdict.correct ? "ok" : "err");
      box.appendChild(body);
      detail.appendChild(box);
    });
  }
  function refresh() {
    list.textContent = "";
    var shown = data.episodes.filter(matches);
    count.textContent = shown.length + " of " + data.episodes.length + " episodes";
    shown.forEach(function (e) {
      var item = el("div", "item");
      item.episode = e;
      item.appendChild(el("span", "id", e.task + " #" + e.sample + (data.runs.length > 1 ? "  [" + data.runs[e.run] + "]" : "")));
      item.appendChild(el("span", "badge b-" + e.verdict, e.verdict.replace("_", " ") + " · " + e.steps.length));
      item.addEventListener("click", function () { show(e); });
      list.appendChild(item);
    });
    if (shown.length && shown.indexOf(current) < 0) show(shown[0]);
    else if (!shown.length) { detail.textContent = ""; detail.appendChild(el("p", "count", "No episode matches the filters.")); }
    else show(current);
  }
  [runSel, famSel, verdictSel].forEach(function (s) { s.addEventListener("change", refresh); });
  textIn.addEventListener("input", refresh);
  refresh();
})();
</script>
</body></html>
"""
