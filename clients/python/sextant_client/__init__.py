"""Python client for the Sextant HTTP service (`sextant serve`), shaped like Optuna's define-by-run API.

Example::

    import sextant_client

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = sextant_client.create_study("http://127.0.0.1:8080", "quad", "minimize", load_if_exists=True)
    study.optimize(objective, n_trials=20)
    print(study.best_trial.params)
"""

from . import _client, _online
from ._client import *  # noqa: F401,F403 - the public names are listed once, in each module's __all__
from ._online import *  # noqa: F401,F403

__all__ = sorted(_client.__all__ + _online.__all__)
