"""CodeBuild DeleteProject: AWS takes a project name or ARN (the provider sends the ARN); moto
looks up names only and silently deletes nothing. The shim turns an ARN into its name.

CodeBuild CreateProject: moto demands a source location even for type NO_SOURCE (an inline
buildspec, no repository); AWS does not. Its other source checks are kept.
"""

import moto.codebuild.models as codebuild_models
import moto.codebuild.responses as codebuild_responses

_moto_validate_source = codebuild_responses._validate_required_params_source


def _validate_source(source: dict) -> None:
    if source.get("type") == "NO_SOURCE" and not source.get("location"):
        if not source.get("buildspec"):
            raise codebuild_responses.InvalidInputException("A NO_SOURCE project needs a buildspec")
        return
    _moto_validate_source(source)


codebuild_responses._validate_required_params_source = _validate_source

_moto_delete_project = codebuild_models.CodeBuildBackend.delete_project


def _delete_project(self, project_name: str) -> None:  # type: ignore[no-untyped-def]
    if project_name.startswith("arn:") and ":project/" in project_name:
        project_name = project_name.split(":project/", 1)[1]
    _moto_delete_project(self, project_name)


codebuild_models.CodeBuildBackend.delete_project = _delete_project
