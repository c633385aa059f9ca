"""ListStateMachineVersions: the provider reads the latest version after every create/read;
moto keeps versions but has no such action. Answered from moto's own state machine model.

ValidateStateMachineDefinition: the provider validates a state machine definition with ValidateStateMachineDefinition before it
creates or changes one; moto 5.2.5 answers NotImplementedError (HTTP 500), which the provider
retries for many minutes. This stand-in does a structural check (valid JSON, StartAt names a
state, every Next/Default names a state) and answers like the real API: result OK, or FAIL
with diagnostics. Real AWS runs its own, complete validation.
"""

import json

from moto.core.responses import ActionResult
from moto.stepfunctions.responses import StepFunctionResponse

def _diagnostics(definition_text: str) -> list:
    try:
        definition = json.loads(definition_text)
    except ValueError as error:
        return [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(error)}]
    states = definition.get("States") or {}
    problems = []
    if definition.get("StartAt") not in states:
        problems.append(f"StartAt {definition.get('StartAt')!r} is not a state")
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice.get("Next") for choice in state.get("Choices", [])]
        for target in filter(None, targets):
            if target not in states:
                problems.append(f"state {name!r} goes to unknown state {target!r}")
    return [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": p} for p in problems]


def validate_state_machine_definition(self: StepFunctionResponse) -> ActionResult:
    diagnostics = _diagnostics(self._get_param("definition") or "")
    return ActionResult({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics, "truncated": False})


def list_state_machine_versions(self: StepFunctionResponse) -> ActionResult:
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = sorted(machine.versions.values(), key=lambda v: v.version, reverse=True)
    return ActionResult(
        {
            "stateMachineVersions": [
                {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in versions
            ]
        }
    )

StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition  # type: ignore[attr-defined]
StepFunctionResponse.list_state_machine_versions = list_state_machine_versions  # type: ignore[attr-defined]
