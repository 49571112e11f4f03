"""Helpers of the EHR tests: the small-world families and a host-side oracle runner.

Oracle code runs in this process with the ``/data`` mount points replaced by the world's files
(what the sandbox exposes read-only), so the tests need no namespaces; ``medagentgym validate``
plays the same code in the real sandbox.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from medagentgym.tasks.ehr.ehr_seqsql import EhrSeqSqlFamily
from medagentgym.tasks.ehr.eicu import EicuFamily
from medagentgym.tasks.ehr.mimic_iii import MimicIIIFamily
from medagentgym.tasks.ehr.treqs import TreqsFamily
from medagentgym.tasks.model import Question, Task

TEST_PATIENTS = 150
FAMILY_CLASSES = {
    "mimic_iii": MimicIIIFamily,
    "eicu": EicuFamily,
    "treqs": TreqsFamily,
    "ehr_seqsql": EhrSeqSqlFamily,
}
TRIVIAL = {
    "zero": 0,
    "empty": "",
    "true": True,
    "false": False,
    "integers": " ".join(str(i) for i in range(101)),
    "crash": "Traceback (most recent call last):\nRuntimeError: line 1 crashed: 0 1 True",
}


def run_oracle(task: Task, question: Question) -> Any:
    """Run a question's oracle code against the task's files; return the JSON it prints last."""
    code = question.oracle.code
    assert code is not None
    for resource in task.resources:
        code = code.replace(resource.target, str(resource.source))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<oracle>", "exec"), {"__name__": "__oracle__"})  # our own generated code
    return json.loads(out.getvalue().strip().splitlines()[-1])


def oracle_passes(task: Task) -> bool:
    return all(q.grader.grade(run_oracle(task, q)).correct for q in task.questions)


def trivial_passes(task: Task, answer: Any) -> bool:
    return all(q.grader.grade(answer).correct for q in task.questions)
