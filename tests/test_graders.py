"""Typed graders, including every exploit that fooled the original benchmark's graders."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from medagentgym.errors import GradingError
from medagentgym.tasks.graders import (
    BooleanGrader,
    CollectionGrader,
    DateGrader,
    DateTimeGrader,
    IntegerGrader,
    NumberGrader,
    ProgramGrader,
    RangeGrader,
    StringGrader,
    TableGrader,
    grader_from_spec,
)

MANY_NUMBERS = " ".join(str(i) for i in range(101))


def score(grader, submission) -> float:
    return grader.grade(submission).score


class TestNumbers:
    def test_exact_and_tolerance(self):
        g = NumberGrader(12.5, abs_tol=0.01, rel_tol=0)
        assert score(g, 12.5) == 1
        assert score(g, "12.509") == 1
        assert score(g, "12.52") == 0

    def test_negative_reference(self):
        g = NumberGrader(-3.25)
        assert score(g, -3.25) == 1
        assert score(g, "-3.25") == 1
        assert score(g, 3.25) == 0

    def test_substring_exploit_fails(self):
        # The original passed if the reference appeared anywhere in stdout.
        g = NumberGrader(5)
        assert score(g, "15") == 0
        assert score(g, "5 apples") == 0
        assert score(g, "Traceback (most recent call last):\n  File line 5") == 0

    def test_many_numbers_exploit_fails(self):
        verdict = NumberGrader(42).grade(MANY_NUMBERS)
        assert verdict.score == 0 and not verdict.parsed
        assert "single number" in verdict.message

    def test_booleans_are_not_numbers(self):
        assert score(NumberGrader(1), True) == 0
        assert score(IntegerGrader(0), False) == 0

    def test_rejects_nan_and_inf(self):
        assert score(NumberGrader(1), "nan") == 0
        assert score(NumberGrader(1), float("inf")) == 0

    def test_singleton_lists_unwrap(self):
        assert score(NumberGrader(7), [7]) == 1
        assert score(NumberGrader(7), [[7.0]]) == 1
        assert score(NumberGrader(7), [7, 8]) == 0

    def test_invalid_reference_is_an_error(self):
        with pytest.raises(GradingError):
            NumberGrader(float("nan"))


class TestIntegers:
    def test_whole_numbers(self):
        g = IntegerGrader(12)
        assert score(g, 12) == 1
        assert score(g, "12.0") == 1
        assert score(g, " 12 ") == 1
        assert score(g, 12.5) == 0

    def test_rounding_mode_rounds_half_up(self):
        g = IntegerGrader(13, rounding=True)
        assert score(g, 12.5) == 1
        assert score(g, "12.6") == 1
        assert score(g, 12.49) == 0
        assert score(IntegerGrader(-2, rounding=True), -2.4) == 1

    def test_zero(self):
        assert score(IntegerGrader(0), "0") == 1
        assert score(IntegerGrader(0), "") == 0


class TestRange:
    def test_or_tolerance_exploit_fails(self):
        # The original accepted ans >= 0.95*pred OR ans <= 1.05*pred: any number passed.
        g = RangeGrader(9.5, 10.5)
        assert score(g, 10) == 1
        assert score(g, 0) == 0
        assert score(g, 1e9) == 0
        assert score(g, -10) == 0

    def test_negative_range(self):
        g = RangeGrader(-10.5, -9.5)  # ground truth -10 with MedCalc-Bench's limits
        assert score(g, -10) == 1
        assert score(g, 10) == 0

    def test_bounds_inclusive_and_invalid(self):
        assert score(RangeGrader(1, 1), 1) == 1
        with pytest.raises(GradingError):
            RangeGrader(2, 1)


class TestStrings:
    def test_normalisation(self):
        g = StringGrader("Coronary Artery Bypass")
        assert score(g, "coronary  artery bypass") == 1
        assert score(g, '"coronary artery bypass"') == 1
        assert score(g, ["coronary artery bypass"]) == 1

    def test_substring_exploit_fails(self):
        g = StringGrader("micu")
        assert score(g, "micu sicu ccu") == 0
        assert score(g, "mic") == 0

    def test_true_false_everywhere_fails(self):
        assert score(StringGrader("micu"), True) == 0
        assert score(StringGrader("micu"), "") == 0


class TestBooleans:
    def test_forms(self):
        g = BooleanGrader(True)
        for ok in (True, "true", "True", "yes", 1, "1", ["true"]):
            assert score(g, ok) == 1, ok
        assert score(g, False) == 0

    def test_both_answers_at_once_fail(self):
        verdict = BooleanGrader(True).grade("True False")
        assert verdict.score == 0 and not verdict.parsed
        assert score(BooleanGrader(False), "the answer is false") == 0
        assert score(BooleanGrader(True), 2) == 0


class TestDates:
    def test_date_formats(self):
        g = DateGrader("2105-03-14")
        assert score(g, "2105-03-14") == 1
        assert score(g, "03/14/2105") == 1
        assert score(g, "2105-03-14 00:00:00") == 1
        assert score(g, "2105-03-15") == 0
        assert score(g, "2105-03-14 12:00:00") == 0
        assert score(g, 2105) == 0

    def test_datetime_exact_to_the_second(self):
        g = DateTimeGrader("2104-12-01 06:30:00")
        assert score(g, "2104-12-01 06:30:00") == 1
        assert score(g, "2104-12-01T06:30:00") == 1
        assert score(g, "2104-12-01 06:30") == 1
        assert score(g, "2104-12-01 06:30:01") == 0
        assert score(g, "2104-12-01") == 0

    def test_bad_reference(self):
        with pytest.raises(GradingError):
            DateGrader("14 March")


class TestCollections:
    def test_unordered_set(self):
        g = CollectionGrader(("micu", "sicu"))
        assert score(g, ["SICU", "micu"]) == 1
        assert score(g, '["sicu", "micu"]') == 1
        assert score(g, "micu, sicu") == 1
        assert score(g, "micu\nsicu\nmicu") == 1  # a set: duplicates do not matter

    def test_superset_and_subset_fail(self):
        g = CollectionGrader(("micu", "sicu"))
        assert score(g, ["micu", "sicu", "ccu"]) == 0
        assert score(g, ["micu"]) == 0

    def test_ordered_list(self):
        g = CollectionGrader((3, 1, 2), element="integer", ordered=True)
        assert score(g, [3, 1, 2]) == 1
        assert score(g, [1, 2, 3]) == 0

    def test_multiset_counts_duplicates(self):
        g = CollectionGrader((1, 1, 2), element="integer", multiset=True)
        assert score(g, [1, 2, 1]) == 1
        assert score(g, [1, 2]) == 0

    def test_numbers_with_tolerance(self):
        g = CollectionGrader((1.0, 2.5), element="number", abs_tol=0.01, rel_tol=0)
        assert score(g, [2.501, 0.999]) == 1
        assert score(g, [2.6, 1.0]) == 0

    def test_many_numbers_exploit_fails(self):
        g = CollectionGrader((3, 7), element="integer")
        assert score(g, list(range(101))) == 0
        assert score(g, MANY_NUMBERS) == 0

    def test_bad_element_names_position(self):
        verdict = CollectionGrader((1, 2), element="integer").grade([1, "two"])
        assert not verdict.parsed and "element 2" in verdict.message


class TestTables:
    def test_rows_any_order(self):
        g = TableGrader(((1, "a"), (2, "b")), columns=("integer", "string"))
        assert score(g, [[2, "B"], [1, "a"]]) == 1
        assert score(g, [[1, "a"]]) == 0
        assert score(g, [{"id": 1, "x": "a"}, {"id": 2, "x": "b"}]) == 1

    def test_wrong_width(self):
        verdict = TableGrader(((1, "a"),), columns=("integer", "string")).grade([[1]])
        assert not verdict.parsed and "row 1" in verdict.message


@dataclass
class _Result:
    stdout: str
    ok: bool
    timed_out: bool = False


class _SubprocessRunner:
    """Stands in for a sandbox session in this unit test (the sandbox tests cover the real one)."""

    def run_python(self, code: str, *, timeout_s: float | None = None) -> _Result:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s, check=False
        )
        return _Result(done.stdout, done.returncode == 0)


class TestPrograms:
    TESTS = "assert add(2, 3) == 5\nassert add(-1, 1) == 0"

    def test_correct_program_passes(self):
        verdict = ProgramGrader(self.TESTS).grade("def add(a, b):\n    return a + b", _SubprocessRunner())
        assert verdict.correct

    def test_wrong_program_fails(self):
        verdict = ProgramGrader(self.TESTS).grade("def add(a, b):\n    return a - b", _SubprocessRunner())
        assert not verdict.correct

    def test_early_exit_cannot_fake_a_pass(self):
        code = "import sys\nprint('__medagentgym_tests_passed__')\nsys.exit(0)"
        assert not ProgramGrader(self.TESTS).grade(code, _SubprocessRunner()).correct

    def test_syntax_error_is_a_format_error(self):
        verdict = ProgramGrader(self.TESTS).grade("def add(:", _SubprocessRunner())
        assert not verdict.parsed and "does not compile" in verdict.message

    def test_needs_a_runner(self):
        with pytest.raises(GradingError):
            ProgramGrader(self.TESTS).grade("def add(a, b): return a + b")


ALL_GRADERS = [
    NumberGrader(1.5, abs_tol=0.1),
    IntegerGrader(3, rounding=True),
    RangeGrader(1.0, 2.0),
    StringGrader("x"),
    BooleanGrader(False),
    DateGrader("2105-01-02"),
    DateTimeGrader("2105-01-02 03:04:05"),
    CollectionGrader(("a", "b"), ordered=True),
    TableGrader(((1, "a"),), columns=("integer", "string")),
    ProgramGrader("assert True"),
]


@pytest.mark.parametrize("grader", ALL_GRADERS, ids=lambda g: g.kind)
def test_spec_round_trip(grader):
    assert grader_from_spec(grader.to_spec()) == grader


def test_unknown_spec_kind():
    with pytest.raises(GradingError, match="unknown grader kind"):
        grader_from_spec({"kind": "vibes"})


DISTINCTIVE = [
    NumberGrader(31337.25),
    IntegerGrader(31337),
    RangeGrader(31337.0, 31338.0),
    StringGrader("zanzibar"),
    DateGrader("2103-07-19"),
    DateTimeGrader("2103-07-19 05:43:21"),
    CollectionGrader(("zanzibar", "quokka")),
    TableGrader(((31337, "zanzibar"),), columns=("integer", "string")),
]


@pytest.mark.parametrize("grader", DISTINCTIVE, ids=lambda g: g.kind)
def test_messages_never_reveal_the_reference(grader):
    secrets = ("31337", "zanzibar", "quokka", "2103", "07-19", "05:43")
    for submission in ("nonsense answer", 999999, ["zzz"], "", True, [1, 2, 3]):
        message = grader.grade(submission).message
        assert not any(secret in message for secret in secrets), message
