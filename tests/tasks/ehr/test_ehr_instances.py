"""Split plans (quotas, yes/no share, enumerated templates, layout, hashing) and the instance
cache."""

from __future__ import annotations

from collections import Counter

import pytest
from ehr_helpers import TEST_PATIENTS

from medagentgym.errors import ConfigError
from medagentgym.tasks.ehr.cache import fingerprint
from medagentgym.tasks.ehr.instances import InstancePools, SplitPlan, stable_int
from medagentgym.tasks.ehr.options import OPTION_TABLES
from medagentgym.tasks.ehr.slots import Choice
from medagentgym.tasks.ehr.template import Q, Step, Template
from medagentgym.tasks.ehr.treqs import TreqsFamily

SIZES = {"train": 1000, "test": 120, "ood": 50}


def _templates() -> list[Template]:
    return [
        Q("a.count", "a", "how many {agg}?", "select 1", "count", Choice("agg")),
        Q("a.when", "a", "when {agg}?", "select 1", "datetime", Choice("agg"), weight=3.0),
        Q("a.yes", "a", "is it {agg}?", "select 1", "boolean", Choice("agg")),
        Q("b.count", "b", "how many b {agg}?", "select 1", "count", Choice("agg")),
        Q("b.yes", "b", "is b {agg}?", "select 1", "boolean", Choice("agg")),
        Q(
            "b.aged",
            "b",
            "how many aged {age}?",
            "select 1",
            "count",
            enumerate=OPTION_TABLES["age"],
            allow_zero=True,
        ),
        Q("c.held", "c", "held {agg}?", "select 1", "number", Choice("agg"), held_out=True),
    ]


def test_quotas_follow_weights_categories_and_the_yes_no_share() -> None:
    plan = SplitPlan("toy", _templates(), SIZES, {"a": 3, "b": 1}, boolean_share=0.1)
    for split, size in SIZES.items():
        assert sum(plan.quotas(split).values()) == size
        assert sum(plan.category_counts(split).values()) == size
    test = plan.quotas("test")
    assert test["a.yes"] + test["b.yes"] == 12  # 10% of 120, shared by the yes/no templates
    assert abs(test["a.yes"] - test["b.yes"]) <= 1
    assert test["a.when"] == pytest.approx(3 * test["a.count"], abs=1)
    aged = len(plan.enumerated(_templates()[5], "train")) + len(plan.enumerated(_templates()[5], "test"))
    assert aged == len(OPTION_TABLES["age"])  # every enumerated instance is used exactly once
    assert plan.category_counts("ood") == {"c": 50}
    assert "c" not in plan.category_counts("train")


def test_layout_interleaves_templates_evenly() -> None:
    plan = SplitPlan("toy", _templates(), SIZES, {"a": 3, "b": 1})
    layout = plan.layout("train")
    assert len(layout) == SIZES["train"]
    seen = Counter((t.id, j) for t, j in layout)
    assert max(seen.values()) == 1
    first_half = Counter(t.id for t, _ in layout[:500])
    for template_id, quota in plan.quotas("train").items():
        assert abs(first_half[template_id] - quota / 2) <= 1.5


def test_split_assignment_is_a_stable_hash_of_the_question() -> None:
    plan = SplitPlan("toy", _templates(), SIZES)
    keys = [f"question {i}" for i in range(2000)]
    splits = [plan.split_of(k) for k in keys]
    assert splits == [plan.split_of(k) for k in keys]
    assert 0.45 < splits.count("test") / len(splits) < 0.55
    assert stable_int("x", 1) == stable_int("x", 1) != stable_int("x", 2)


def test_plans_reject_bad_template_sets() -> None:
    with pytest.raises(ConfigError, match="duplicate"):
        SplitPlan("toy", [*_templates(), _templates()[0]], SIZES)
    with pytest.raises(ConfigError, match="no templates"):
        SplitPlan("toy", [t for t in _templates() if not t.held_out], SIZES).quotas("ood")
    with pytest.raises(ConfigError, match="no steps"):
        Template("x", "a", ())
    assert Step("q", "select 1", "count").columns == ()


def test_the_instance_cache_changes_nothing_but_speed() -> None:
    family = TreqsFamily(n_patients=TEST_PATIENTS)
    pools = family.pools(0)
    assert pools.cache is not None and pools.cache.path.is_file()
    cached = [pools.instance("test", i) for i in range(40)]
    uncached = InstancePools(family.plan, pools.index, 0)
    assert [uncached.instance("test", i) for i in range(40)] == cached
    resumed = TreqsFamily(n_patients=TEST_PATIENTS).pools(0)  # a new process would read the same file
    assert resumed.cache is not None and resumed.cache.path == pools.cache.path
    assert [resumed.instance("test", i) for i in range(45)][:40] == cached
    records, draw = resumed.cache.load(cached[0].template.id, "test", 0)
    assert records and draw > 0
    assert fingerprint("a") != fingerprint("b")


def test_building_tasks_on_several_threads_gives_the_same_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)  # threads even on a one-core runner
    one_by_one = TreqsFamily(n_patients=TEST_PATIENTS)
    expected = [one_by_one.task("test", i).to_dict() for i in range(60)]
    together = TreqsFamily(n_patients=TEST_PATIENTS)
    together.pools(0).cache = None  # sample everything again, concurrently, without the file
    indices = list(range(59, -1, -1))  # out of order: buckets are filled from either end
    assert [t.to_dict() for t in together.tasks("test", indices)] == expected[::-1]
