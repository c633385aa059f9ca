"""Lambda DeadLetterConfig and LoggingConfig: moto drops both on create and update and never
returns them, so every plan would want to set them again. Kept and returned here as sent.
"""

import moto.awslambda.models as lambda_models

_KEPT_LAMBDA_CONFIG = {"DeadLetterConfig": "_iacci_dead_letter_config", "LoggingConfig": "_iacci_logging_config"}
_moto_lambda_init = lambda_models.LambdaFunction.__init__
_moto_lambda_get = lambda_models.LambdaFunction.get_configuration
_moto_lambda_update = lambda_models.LambdaFunction.update_configuration


def _lambda_init(self, account_id, spec, region, version=1):  # type: ignore[no-untyped-def]
    _moto_lambda_init(self, account_id, spec, region, version)
    for key, attr in _KEPT_LAMBDA_CONFIG.items():
        setattr(self, attr, spec.get(key))


def _lambda_get_configuration(self, on_create=False):  # type: ignore[no-untyped-def]
    config = _moto_lambda_get(self, on_create)
    for key, attr in _KEPT_LAMBDA_CONFIG.items():
        if getattr(self, attr, None):
            config[key] = getattr(self, attr)
    return config


def _lambda_update_configuration(self, config_updates):  # type: ignore[no-untyped-def]
    for key, attr in _KEPT_LAMBDA_CONFIG.items():
        if key in config_updates:
            setattr(self, attr, config_updates[key])
    return _moto_lambda_update(self, config_updates)


lambda_models.LambdaFunction.__init__ = _lambda_init
lambda_models.LambdaFunction.get_configuration = _lambda_get_configuration
lambda_models.LambdaFunction.update_configuration = _lambda_update_configuration
