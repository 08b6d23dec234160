"""The evaluation's results as one JSON-ready dict, and as the table `app.evaluate` prints."""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

from sketchfill.models.evaluation import appearance_eval as ae
from sketchfill.models.evaluation import completion_eval as ce

# The release bars: (metrics path, comparison, threshold, what it means).
BARS = (
    ("completion.square_at_tolerance.4.best_recovery", ">=", 0.6,
     "best of K recovers the missing outline within 4 px"),
    ("completion.prefix_at_tolerance.4.best_recovery", ">=", 0.3,
     "best of K recovers the missing outline of first strokes within 4 px"),
    ("completion.prefix_worst_class_at_4", ">=", 0.1, "first-stroke recovery for every class"),
    ("completion.square_at_tolerance.4.best_precision", ">=", 0.5,
     "best of K draws where the outline is (4 px)"),
    ("completion.square_at_tolerance.4.diversity_iou", "<", 0.9, "the K completions differ"),
    ("appearance.headline.all", ">=", 0.92, "requested class wins (outline, class) pairs"),
    ("appearance.worst_class", ">=", 0.8, "requested class wins for every class"),
    ("appearance.edge_recall", ">=", 0.6, "renders follow their outline's edges (3 px)"),
)


def is_square_recipe(recipe: str) -> bool:
    return recipe.startswith("square")


def is_square(score: ce.CaseScore) -> bool:
    return is_square_recipe(score.recipe)


def metrics_dict(engine, cfg, completion: dict | None, appearance: dict | None) -> dict:
    """Everything the run measured (a skipped stage is absent), with its bars checked."""
    result: dict = {
        "engine": {
            "classes": list(engine.classes),
            "mirror_views": getattr(engine, "mirror_views", False),
            "runtime": getattr(engine, "runtime", "torch eager float32"),
            "provenance": engine.provenance,
        },
        "config": dataclasses.asdict(cfg),
    }
    if completion is not None:
        result["completion"] = completion
    if appearance is not None:
        result["appearance"] = appearance
    result["bars"] = [check_bar(result, *bar) for bar in BARS if bar[0].split(".")[0] in result]
    return result


def completion_dict(
    scores: Sequence[ce.CaseScore],
    loose: dict[float, list[ce.CaseScore]],
    ceiling: Sequence[ce.CaseScore] = (),
    reference: dict[float, list[ce.CaseScore]] | None = None,
    tolerance: float = 2.0,
) -> dict:
    """``ceiling``: the square cases scored for a perfect network (evaluate.ceiling_score);
    ``reference``: every case completed with real drawings (models.evaluation.reference),
    scored at ``tolerance`` and at the loose tolerances."""
    square = [s for s in scores if is_square(s)]
    reference = reference or {}
    square_ref = [s for s in reference.get(tolerance, []) if is_square(s)]
    return {
        "square_ceiling": ce.summarise(ceiling) if ceiling else {},
        "square_reference": ce.summarise(square_ref) if square_ref else {},
        "reference_by_source": ce.grouped(square_ref, lambda s: s.source),
        "reference_at_tolerance": {
            f"{t:g}": {"square": ce.summarise(s for s in group if is_square(s)),
                       "prefix": ce.summarise(s for s in group if s.recipe == "prefix")}
            for t, group in reference.items() if group
        },
        "square": ce.summarise(square),
        "by_source": ce.grouped(square, lambda s: s.source),
        "by_recipe": ce.grouped(scores, lambda s: s.recipe),
        "by_class": ce.grouped(square, lambda s: s.class_name),
        "square_at_tolerance": {
            f"{t:g}": ce.summarise(s for s in group if is_square(s)) for t, group in loose.items()
        },
        "cases": [dataclasses.asdict(s) for s in scores],
        **prefix_dict(loose),
    }


def prefix_dict(loose: dict[float, list[ce.CaseScore]]) -> dict:
    """The stroke-prefix cases at every loose tolerance, per class at 4 px, and the worst class."""
    prefix = {t: [s for s in group if s.recipe == "prefix"] for t, group in loose.items()}
    by_class = ce.grouped(prefix.get(4.0, []), lambda s: s.class_name)
    worst = min((c["best_recovery"] for c in by_class.values()), default=math.nan)
    return {"prefix_at_tolerance": {f"{t:g}": ce.summarise(g) for t, g in prefix.items()},
            "prefix_by_class_at_4": by_class, "prefix_worst_class_at_4": worst}


def appearance_dict(
    verdicts: dict[str, list[ae.Verdict]],
    held_accuracy: dict[str, tuple[float, int, float]],
    headline: str,
) -> dict:
    """held_accuracy: judge name -> (accuracy, number of held-out real images, accuracy on
    them with colours swapped into other images' silhouettes)."""
    judges = {}
    for name, (acc, n_real, swapped) in held_accuracy.items():
        model = verdicts["model"]
        judges[name] = {
            "held_out_real_accuracy": acc,
            "held_out_real_images": n_real,
            "held_out_swapped_accuracy": swapped,
            "model": ae.summary(model, name),
            "model_by_source": {
                src: ae.summary([v for v in model if v.source == src], name)
                for src in dict.fromkeys(v.source for v in model)
            },
            "flat_colour_baseline": ae.summary(verdicts["flat_colour"], name),
            "per_class": ae.per_class(model, name),
            "confusions": ae.confusions(model, name),
        }
    worst = min((c["all"] for c in judges[headline]["per_class"].values()), default=math.nan)
    return {"headline_judge": headline, "headline": judges[headline]["model"],
            "worst_class": worst, "judges": judges}


def lookup(result: dict, path: str):
    node = result
    for key in path.split("."):
        node = node[key]
    return node


def check_bar(result: dict, path: str, op: str, threshold: float, meaning: str) -> dict:
    value = lookup(result, path)
    ok = (not math.isnan(value)) and (value >= threshold if op == ">=" else value < threshold)
    return {
        "metric": path,
        "value": value,
        "bar": f"{op} {threshold}",
        "pass": bool(ok),
        "meaning": meaning,
    }


# ---------------------------------------------------------------------------------------------
# Table

COMPLETION_COLUMNS = (
    ("n", "n", "{:>4.0f}"),
    ("best P", "best_precision", "{:>6.2f}"),
    ("best R", "best_recall", "{:>6.2f}"),
    ("best F1", "best_f1", "{:>7.2f}"),
    ("mean F1", "mean_f1", "{:>7.2f}"),
    ("base P", "baseline_precision", "{:>6.2f}"),
    ("base R", "baseline_recall", "{:>6.2f}"),
    ("recov best", "best_recovery", "{:>10.2f}"),
    ("recov mean", "mean_recovery", "{:>10.2f}"),
    ("IoU(K)", "diversity_iou", "{:>6.2f}"),
    ("added P", "best_added_precision", "{:>7.2f}"),
    ("added/miss", "best_added_ratio", "{:>10.2f}"),
    ("added IoU", "added_iou", "{:>9.2f}"),
    ("recov max", "max_recovery", "{:>9.2f}"),
    ("recov all K", "union_recovery", "{:>11.2f}"),
)


def _row(label: str, stats: dict, columns) -> str:
    cells = []
    for head, key, fmt in columns:
        v = stats.get(key, math.nan)
        cells.append(
            f"{'nan':>{len(head)}}"
            if isinstance(v, float) and math.isnan(v)
            else fmt.format(v).rjust(len(head))
        )
    return f"{label:<22}" + "  ".join(cells)


def completion_table(result: dict) -> list[str]:
    comp = result["completion"]
    cfg = result["config"]
    lines = [
        f"COMPLETION  K={cfg['samples']}, skeletons matched within {cfg['tolerance']:g} px "
        f"at {cfg['cases']['size']} px; 'base' = the partial returned unchanged; "
        "'added' = the best completion's strokes away from the partial",
        " " * 22 + "  ".join(h for h, _, _ in COMPLETION_COLUMNS),
    ]
    lines.append(_row("square erase, all", comp["square"], COMPLETION_COLUMNS))
    lines += [_row(f"  {k}", v, COMPLETION_COLUMNS) for k, v in comp["by_source"].items()]
    lines += [_row(f"  {k}", v, COMPLETION_COLUMNS) for k, v in comp["by_recipe"].items()]
    lines += [
        _row(f"  at {t} px (context)", v, COMPLETION_COLUMNS)
        for t, v in comp["square_at_tolerance"].items()
    ]
    if comp.get("square_reference"):
        lines.append(_row("  real drawings (ref.)", comp["square_reference"], COMPLETION_COLUMNS))
        lines += [
            _row(f"    {k}", v, COMPLETION_COLUMNS)
            for k, v in comp.get("reference_by_source", {}).items()
        ]
        refs = comp.get("reference_at_tolerance", {})
        lines += [_row(f"    at {t} px", refs[t]["square"], COMPLETION_COLUMNS)
                  for t in comp["square_at_tolerance"] if refs.get(t, {}).get("square")]
        lines.append(
            "  (reference = the partial plus K real training drawings of its class and "
            "source, one per completion: what the class alone tells of the missing part)"
        )
    if comp.get("square_ceiling"):
        lines.append(_row("  perfect net (ceiling)", comp["square_ceiling"], COMPLETION_COLUMNS))
        lines.append(
            "  (ceiling = the true outline as the shape network sees it, returned through "
            "the engine's path: the most a network of that size can score)"
        )
    return lines + prefix_rows(comp, f"{cfg['tolerance']:g}")


def prefix_rows(comp: dict, tolerance: str) -> list[str]:
    """Stroke-prefix cases at the match tolerance and each loose one, beside their
    real-drawings reference, and per class at 4 px (the bar's tolerance)."""
    refs = comp.get("reference_at_tolerance", {})
    at = {tolerance: comp["by_recipe"]["prefix"]} if "prefix" in comp["by_recipe"] else {}
    lines = []
    for t, stats in {**at, **comp.get("prefix_at_tolerance", {})}.items():
        lines.append(_row(f"first strokes at {t} px", stats, COMPLETION_COLUMNS))
        if refs.get(t, {}).get("prefix", {}).get("n"):
            lines.append(_row("  real drawings (ref.)", refs[t]["prefix"], COMPLETION_COLUMNS))
    by_class = comp.get("prefix_by_class_at_4", {})
    if by_class:
        cells = ", ".join(f"{c} {v['best_recovery']:.2f}" for c, v in sorted(
            by_class.items(), key=lambda kv: kv[1]["best_recovery"]))
        lines.append(f"  first strokes, best-of-K recovery at 4 px by class: {cells}")
    return lines


def appearance_table(result: dict) -> list[str]:
    app = result["appearance"]
    judges = app["judges"]
    any_judge = next(iter(judges.values()))["model"]
    lines = [
        f"APPEARANCE  {any_judge['outlines']} held-out outlines x every class = "
        f"{any_judge['n']} renders; win = the judge names the requested class",
        f"{'judge':<16}{'real acc':>9}{'swap acc':>9}{'all':>7}{'own':>7}{'other':>7}{'swept':>7}"
        f"{'| flat-colour baseline all':>27}",
    ]
    for name, j in judges.items():
        m, b = j["model"], j["flat_colour_baseline"]
        mark = " *" if name == app["headline_judge"] else ""
        lines.append(
            f"{name + mark:<16}{j['held_out_real_accuracy']:>9.2f}"
            f"{j['held_out_swapped_accuracy']:>9.2f}{m['all']:>7.2f}"
            f"{m['own']:>7.2f}{m['other']:>7.2f}{m['swept']:>7.2f}{b['all']:>27.2f}"
        )
    n_real = next(iter(judges.values()))["held_out_real_images"]
    lines.append(
        f"  * headline judge; real acc = on {n_real} held-out-style real images; "
        "swap acc = on them with colours moved into another class's silhouette "
        "(the judge's ceiling for 'other'); swept = outlines that won under every class"
    )
    lines.append(f"  outline edge recall (3 px, the outline's own ink inpainted away): "
                 f"{app.get('edge_recall', math.nan):.2f}; worst class "
                 f"{app.get('worst_class', math.nan):.2f}")
    for src, m in judges[app["headline_judge"]]["model_by_source"].items():
        lines.append(
            f"  {app['headline_judge']} on {src} outlines ({m['outlines']}): "
            f"all {m['all']:.2f}, own {m['own']:.2f}, other {m['other']:.2f}"
        )
    return lines + per_class_table(judges)


def per_class_table(judges: dict) -> list[str]:
    names = list(judges)
    classes = list(next(iter(judges.values()))["per_class"])
    lines = [
        "per requested class (win rate over all outlines):",
        f"  {'class':<15}" + "".join(f"{n:>15}" for n in names),
    ]
    for c in classes:
        lines.append(
            f"  {c:<15}" + "".join(f"{judges[n]['per_class'][c]['all']:>15.2f}" for n in names)
        )
    return lines


def bars_table(result: dict) -> list[str]:
    lines = ["BARS"]
    for b in result["bars"]:
        lines.append(
            f"  [{'PASS' if b['pass'] else 'FAIL'}] {b['metric']} = {b['value']:.3f} "
            f"(bar {b['bar']}): {b['meaning']}"
        )
    return lines


def table(result: dict) -> str:
    """The printed report."""
    prov = result["engine"]["provenance"]
    source = ", ".join(
        f"{k}: {v.get('file', '?')} ({v.get('note', v.get('steps', ''))})" for k, v in prov.items()
    )
    lines = [f"checkpoints: {source}", ""]
    if "completion" in result:
        lines += completion_table(result) + [""]
    if "appearance" in result:
        lines += appearance_table(result) + [""]
    return "\n".join(lines + bars_table(result))
