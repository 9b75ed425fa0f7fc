"""Online tuners: one numeric parameter chosen for each instance of a sequence, through `sextant serve`'s /online routes.

The server runs the bandit (Tsallis-INF, Exp3 or ChebCB; Khodak et al. 2024, "Learning to Relax")
and keeps its state in its storage; this module only carries the calls, as the rest of the client does.
"""

import collections
import decimal
import math
import numbers

from ._client import SextantError, _Closable, _Connection, _as_values, _float, _integer, _json_float, _number, _quote, _unwrap

__all__ = [
    "OnlineObservation",
    "OnlineTuner",
    "OnlineTunerNameTakenError",
    "OnlineTunerOrderError",
    "OnlineTunerSettingsError",
    "OnlineTunerStaleRoundError",
    "OnlineTunerStats",
    "create_online_tuner",
    "load_online_tuner",
]


class OnlineTunerSettingsError(SextantError):
    """`create_online_tuner` for a name taken by a tuner with other settings (HTTP 409, `code`
    "online_settings_conflict", `field` "body.name"), or by a study (its subclass OnlineTunerNameTakenError).

    The message names each setting that differs (``costScale 120, not 100``). Use the stored tuner
    with `load_online_tuner`, or create one under another name.
    """


class OnlineTunerNameTakenError(OnlineTunerSettingsError):
    """A tuner's name that is a study's (HTTP 409, `code` "online_name_taken", `field` "body.name" from
    `create_online_tuner`, "path.tuner" from the other calls): tuners and studies share one table of names.

    A subclass of OnlineTunerSettingsError, which `create_online_tuner` raised for it before. Use another name.
    """


class OnlineTunerOrderError(SextantError):
    """A call out of the tuner's order (HTTP 409, `code` "online_order"): `observe` with no choice waiting for its cost (`field` "path.tuner"),
    or `choose` for a context while a choice made for another context waits for its cost (`field` "body.context").

    The library's OnlineTunerOrderError. Example::

        tuner.choose([0.1])
        tuner.choose([0.9])  # OnlineTunerOrderError: observe the cost of the first choice first
    """


class OnlineTunerStaleRoundError(SextantError):
    """`observe` of a choice whose cost was observed already (HTTP 409, `code` "online_stale_round", `field` "body.round"): another process sharing
    the tuner observed it (or this one did, twice). The cost is not counted, since the choice waiting now, if any, may
    be of another value. The library's OnlineTunerStaleRoundError. Example::

        omega = tuner.choose()
        try:
            tuner.observe(solve(omega))
        except sextant_client.OnlineTunerStaleRoundError:
            pass  # another worker reported this choice first; choose again for the next instance
    """


OnlineObservation = collections.namedtuple("OnlineObservation", ["rounds", "clipped"])
OnlineObservation.__doc__ = """What `OnlineTuner.observe` answers: `rounds`, the costs the tuner has observed with this one, and
`clipped`, True when the cost fell outside [0, cost_scale] and counted as the best (a negative cost) or the worst
(one above cost_scale, or infinity). A tuner whose costs mostly are clipped learns nothing: raise cost_scale."""


class OnlineTunerStats:
    """A tuner's settings and where it stands, as the server reads them (`GET /online/{tuner}`).

    The settings carry their defaults filled in: `param_name`, `low`, `high`, `log`, `arms`, `algorithm`, `seed`
    (drawn by the server when the create gave none), `cost_scale`, `learning_rate` (tsallis-inf and exp3, else None),
    `exploration` (chebcb, else None) and, for chebcb, `context_low`, `context_high` and `context_degree` (else None):
    given to `create_online_tuner`, they resume this tuner. Then `rounds` (costs observed), `values` (the grid
    chosen from), `probabilities` (of each value at the next choice; a contextual tuner's at the middle of its
    context's ranges) and `pending` (the value chosen and waiting for its cost, or None).
    """

    def __init__(self, data):
        parameter = data["parameter"]
        context = data.get("context")
        self.name = data["name"]
        self.algorithm = data["algorithm"]
        self.param_name = parameter["name"]
        self.low = float(parameter["low"])
        self.high = float(parameter["high"])
        self.log = bool(parameter["log"])
        self.arms = int(parameter["arms"])
        self.context_low = [float(v) for v in context["low"]] if context else None
        self.context_high = [float(v) for v in context["high"]] if context else None
        self.context_degree = int(context["degree"]) if context else None
        self.seed = int(data["seed"])
        self.cost_scale = float(data["costScale"])
        self.learning_rate = float(data["learningRate"]) if data.get("learningRate") is not None else None
        self.exploration = float(data["exploration"]) if data.get("exploration") is not None else None
        self.rounds = int(data["rounds"])
        self.values = [float(v) for v in data["values"]]
        self.probabilities = [float(p) for p in data["probabilities"]]
        self.pending = float(data["pending"]) if data["pending"] is not None else None

    def __repr__(self):
        return "OnlineTunerStats(name=%r, algorithm=%r, rounds=%d, pending=%r)" % (self.name, self.algorithm, self.rounds, self.pending)


class OnlineTuner(_Closable):
    """An online tuner kept by the server: `choose` before solving each instance, `observe` its cost after.

    Made by `create_online_tuner` or `load_online_tuner`. Any number of processes may share a tuner by
    name: each `choose` answers the choice waiting for its cost (the same value until it is observed),
    and `observe` sends the round of this object's last `choose`, so a cost that comes after another
    process observed that choice is refused (`OnlineTunerStaleRoundError`) rather than credited to a
    newer choice, possibly of another value. The settings are read-only attributes, as in
    `OnlineTunerStats`; `stats()` reads where the tuner stands now. Example (SOR, the relaxation
    factor omega chosen per linear system, the iterations to converge as the cost)::

        tuner = sextant_client.create_online_tuner(
            "http://127.0.0.1:8080", "sor-omega", low=1.0, high=1.9, arms=10, param_name="omega",
            cost_scale=120, seed=1)
        for system in systems:
            omega = tuner.choose()
            tuner.observe(sor(system, omega).iterations)  # float("inf") if it diverged: the worst cost
        print(tuner.stats().probabilities)
    """

    def __init__(self, connection, data):
        self._connection = connection
        stats = OnlineTunerStats(data)
        self.name = stats.name
        for setting in ("algorithm", "param_name", "low", "high", "log", "arms", "context_low", "context_high",
                        "context_degree", "seed", "cost_scale", "learning_rate", "exploration", "values"):
            setattr(self, setting, getattr(stats, setting))
        # The round of this object's last choose (the costs observed before it), sent by observe; None before one.
        self.round = None

    def _path(self, suffix=""):
        return "/online/" + _quote(self.name) + suffix

    def choose(self, context=None):
        """The value to use for the next instance, as a float; a "chebcb" tuner needs the instance's `context`.

        `context` is one number per feature (a list, a tuple, a 1-d numpy array; a feature outside its declared
        range counts as the nearest end). Called again before `observe`, it answers the same value (for the same
        context; another one raises OnlineTunerOrderError). The choice's round is kept in `self.round` for `observe`.
        """
        body = {}
        if context is not None:
            body["context"] = _as_values(context, "choose: context")
        # Safe to repeat: a choose with a choice waiting answers that choice again.
        try:
            answer = self._connection.request("POST", self._path("/choose"), body, repeatable=True)
        except SextantError as error:
            raise _online_error(error) from None
        self.round = int(answer["round"])
        return float(answer["value"])

    def observe(self, cost, round=None):
        """Reports the cost of the instance solved with the chosen value (lower is better); an `OnlineObservation`.

        `round` defaults to that of this object's last `choose` (`self.round`); give another process's round when
        it chose (a worker that only reports costs). With a round, a cost for a choice observed already raises
        OnlineTunerStaleRoundError and is not counted. With none (no choose on this object and no `round`), the cost
        counts for whichever choice waits. `float("inf")` (a diverged solve) counts as the worst cost; NaN and `-inf`
        are no costs (ValueError, nothing sent), as the server refuses them. No choice waiting raises
        OnlineTunerOrderError.
        """
        body = {"cost": _cost(cost)}
        if round is None:
            round = self.round
        if round is not None:
            body["round"] = _integer(round, "observe: round")
        # Never sent twice: a first attempt the server stored would make the repeat a stale round (reported as not
        # counted), or, without a round, count the cost again for whatever choice waits by then. Not after a 503,
        # nor on a kept-alive connection that broke before the answer, which the server may have taken (a new one).
        try:
            answer = self._connection.request("POST", self._path("/observe"), body, repeatable=False, fresh=True)
        except SextantError as error:
            raise _online_error(error) from None
        return OnlineObservation(int(answer["rounds"]), bool(answer["clipped"]))

    def stats(self):
        """The tuner's settings, rounds, grid, play distribution and pending value, as the server has them now (one request)."""
        return OnlineTunerStats(self._connection.request("GET", self._path())["tuner"])

    def close(self):
        """Closes the connection (a later call opens a new one)."""
        self._connection.close()

    def __repr__(self):
        return "OnlineTuner(%r, algorithm=%r, url=%r)" % (self.name, self.algorithm, self._connection.url)


# The `code` of each 409 of the online routes that this module raises as its own class. Others (a tuner saved by a
# newer Sextant, "online_tuner_too_new", at path.tuner as an observe with nothing waiting is) stay SextantError.
_CLASSES_OF_CODES = {
    "online_settings_conflict": OnlineTunerSettingsError,
    "online_name_taken": OnlineTunerNameTakenError,
    "online_order": OnlineTunerOrderError,
    "online_stale_round": OnlineTunerStaleRoundError,
}


def _online_error(error):
    """`error` as the class its 409's `code` names; else `error` itself (by its code, not its field, which other 409s share)."""
    cls = _CLASSES_OF_CODES.get(error.code) if error.status == 409 else None
    if cls is None:
        return error
    return cls(error.status, error.message, error.field, error.code)


def _cost(value):
    """An observed cost for JSON: a finite number as it is, infinity by the name the server reads; NaN and -inf refused."""
    plain = _unwrap(value)
    if isinstance(plain, (numbers.Real, decimal.Decimal)) and not isinstance(plain, bool):
        number = _float(plain)
        if math.isnan(number):
            raise ValueError("observe: cost must be a number, got %r: NaN is no cost (a diverged solve is float('inf'), "
                             "which counts as the worst cost)" % (value,))
        if number == -math.inf:
            raise ValueError("observe: cost %r is refused: costs are counts or times of 0 or more (lower is better), so "
                             "minus infinity is no cost, and counted it would be the best of all; a diverged solve's "
                             "cost is float('inf'), the worst" % (value,))
        if math.isinf(number):
            return _json_float(number)
    return _number(value, "observe: cost")


def create_online_tuner(url, name, *, low, high, log=False, arms=None, param_name=None, algorithm=None, seed=None,
                        cost_scale=None, context_low=None, context_high=None, context_degree=None, learning_rate=None,
                        exploration=None, token=None, timeout=60.0, retry_timeout=60.0):
    """Creates the online tuner `name` on the server at `url`, or loads it if one with these settings exists; an `OnlineTuner`.

    It chooses a value of [`low`, `high`] (on a log scale with `log`) from a grid of `arms` points (the server's
    default 16), named `param_name` in listings. `algorithm` is "tsallis-inf" (the default; Zimmert and Seldin
    2021), "exp3" or "chebcb" (contextual: SquareCB with Chebyshev regression, which needs `context_low` and
    `context_high`, one bound per instance feature, and takes `context_degree`, default 4). Costs are divided by
    `cost_scale` (default 1) and clipped to [0, 1]. `learning_rate` (tsallis-inf, exp3; a multiplier, default 2) and
    `exploration` (chebcb, default 10) tune the algorithms; `seed` makes the draws repeatable (the server draws
    one when none is given, compared only when given). A name taken by a tuner with other settings, or by a study,
    raises OnlineTunerSettingsError; a bad setting a SextantError (HTTP 400) whose `field` names it
    ("body.parameter.arms"). `token`, `timeout` and `retry_timeout` as in create_study.
    """
    parameter = {"low": _number(low, "create_online_tuner: low"), "high": _number(high, "create_online_tuner: high")}
    if log:
        parameter["log"] = True
    if arms is not None:
        parameter["arms"] = _integer(arms, "create_online_tuner: arms")
    if param_name is not None:
        parameter["name"] = param_name
    body = {"name": name, "parameter": parameter}
    if algorithm is not None:
        body["algorithm"] = algorithm
    if seed is not None:
        body["seed"] = _integer(seed, "create_online_tuner: seed")
    for key, value in (("costScale", cost_scale), ("learningRate", learning_rate), ("exploration", exploration)):
        if value is not None:
            body[key] = _number(value, "create_online_tuner: %s" % _snake(key))
    if context_low is not None or context_high is not None or context_degree is not None:
        if context_low is None or context_high is None:
            raise ValueError("create_online_tuner: context_low and context_high go together (one bound per instance feature)")
        context = {"low": _as_values(context_low, "create_online_tuner: context_low"),
                   "high": _as_values(context_high, "create_online_tuner: context_high")}
        if context_degree is not None:
            context["degree"] = _integer(context_degree, "create_online_tuner: context_degree")
        body["context"] = context
    connection = _Connection(url, token, timeout, retry_timeout)
    # Safe to repeat: a create with the settings of a stored tuner answers that tuner.
    try:
        answer = connection.request("POST", "/online", body, repeatable=True)
    except SextantError as error:
        connection.close()
        raise _online_error(error) from None
    return OnlineTuner(connection, answer["tuner"])


def load_online_tuner(url, name, *, token=None, timeout=60.0, retry_timeout=60.0):
    """The existing online tuner `name`; SextantError (status 404) if there is none. Arguments as in create_online_tuner."""
    connection = _Connection(url, token, timeout, retry_timeout)
    try:
        answer = connection.request("GET", "/online/" + _quote(name))
    except SextantError as error:
        connection.close()
        raise _online_error(error) from None
    return OnlineTuner(connection, answer["tuner"])


def _snake(key):
    """An option's JSON name as this module's argument names it: "costScale" as "cost_scale"."""
    return "".join("_" + c.lower() if c.isupper() else c for c in key)
