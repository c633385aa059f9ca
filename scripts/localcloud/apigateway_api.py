"""API Gateway PutRestApi/ImportRestApi with a MOCK integration (a CORS preflight, say): AWS needs
no uri and no httpMethod for MOCK; moto's put_integration demands both and fails the import
with HTTP 500. The shim makes both optional again (moto's own checks for HTTP/AWS types stay) and
stores the type as AWS's enum (MOCK, AWS_PROXY), as GetIntegration answers it.

API Gateway UpdateAccount resetting the CloudWatch role (`replace /cloudwatchRoleArn` without a
value, what the provider sends when the account setting is destroyed): AWS clears the role;
moto fails with KeyError (HTTP 500), which the provider retries for many minutes.
"""

import moto.apigateway.models as apigateway_models

_moto_put_integration = apigateway_models.APIGatewayBackend.put_integration


def _put_integration(  # type: ignore[no-untyped-def]
    self, function_id, resource_id, method_type, integration_type, uri=None, integration_method=None, **kwargs
):
    # OpenAPI writes the type in lower case (aws_proxy, mock); AWS stores and answers the enum (AWS_PROXY, MOCK).
    return _moto_put_integration(
        self, function_id, resource_id, method_type, str(integration_type or "").upper(), uri, integration_method, **kwargs
    )


apigateway_models.APIGatewayBackend.put_integration = _put_integration  # type: ignore[method-assign]


_moto_account_patch = apigateway_models.Account.apply_patch_operations


def _account_patch(self, patch_operations):  # type: ignore[no-untyped-def]
    rest = []
    for op in patch_operations:
        if "/cloudwatchRoleArn" in op.get("path", "") and not op.get("value"):
            self.cloudwatch_role_arn = None
        else:
            rest.append(op)
    return _moto_account_patch(self, rest)


apigateway_models.Account.apply_patch_operations = _account_patch  # type: ignore[method-assign]
