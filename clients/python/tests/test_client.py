"""Tests of the client against a real `sextant serve` at $SEXTANT_URL (token in $SEXTANT_TOKEN).

The repository's test/python-client.test.ts starts the server and runs these with
/usr/bin/python3 -m unittest.
"""

import contextlib
import decimal
import fractions
import gc
import http.client
import json
import math
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import unittest
import unittest.mock
import urllib.parse
import uuid
import warnings

import sextant_client
from sextant_client import (CategoricalDistribution, FloatDistribution, IntDistribution, SextantError, ServerTimeoutError,
                            ServerUnreachableError, TrialPruned, TrialState)

try:
    import numpy
except ImportError:  # numpy is no dependency of the client; its own tests skip without it
    numpy = None

URL = os.environ.get("SEXTANT_URL")
HERE = os.path.dirname(os.path.abspath(__file__))


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def sextant_create(test, prefix, *flags):
    """Makes a study named after `prefix` with `sextant create FLAGS -- true` in the server's storage; its name.

    The suite's runner (test/python-client.test.ts) names the server's storage and the CLI; without them the test skips.
    """
    storage, cli = os.environ.get("SEXTANT_TEST_STORAGE"), os.environ.get("SEXTANT_TEST_CLI")
    if not storage or not cli:
        test.skipTest("set SEXTANT_TEST_STORAGE and SEXTANT_TEST_CLI to the server's storage and the sextant command")
    name = unique(prefix)
    subprocess.run(json.loads(cli) + ["create", "--storage", storage, "--study", name, *flags, "--", "true"],
                   check=True, stdout=subprocess.DEVNULL, timeout=60)
    return name


def older_studies(test, names):
    """Makes studies named `names` in the server's storage through the package's own storage, which checks no name,
    as an older Sextant made studies of names that are refused now ("." or "..", a lone surrogate). One Node process
    makes them all: each start of one took about a second.

    The suite's runner (test/python-client.test.ts) names the server's storage and the CLI; without them the test skips.
    """
    # As JSON with \u escapes: a lone surrogate cannot travel in an argument as it is.
    on_server_storage(test, "for (const name of JSON.parse(process.argv[3]))"
                      " await storage.createStudy(name, ['minimize'], { userAttrs: {}, systemAttrs: {} });",
                      json.dumps(names))


def on_server_storage(test, statements, argument):
    """Runs the JavaScript `statements` with `storage`, the server's storage opened by the package's own library,
    and `argument` as process.argv[3]; the test skips where the suite's runner named no storage and CLI."""
    storage, cli = os.environ.get("SEXTANT_TEST_STORAGE"), os.environ.get("SEXTANT_TEST_CLI")
    if not storage or not cli:
        test.skipTest("set SEXTANT_TEST_STORAGE and SEXTANT_TEST_CLI to the server's storage and the sextant command")
    node, bin_file = json.loads(cli)[:2]
    package = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(bin_file))), "dist", "index.js")
    script = ("const { openStorage } = await import(process.argv[1]); const storage = await openStorage(process.argv[2]); "
              + statements + " await storage.close();")
    subprocess.run([node, "--input-type=module", "-e", script, "file://" + urllib.parse.quote(package), storage, argument],
                   check=True, timeout=60)


class ClientTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not URL:
            raise RuntimeError("set SEXTANT_URL to a running `sextant serve` (npm test does this)")


class OptimizeTest(ClientTestCase):
    def test_optimize_finds_the_best_trial_of_a_quadratic(self):
        study = sextant_client.create_study(URL, unique("quad"), "minimize", sampler="random", sampler_options={"seed": 1})

        def objective(trial):
            x = trial.suggest_float("x", -10, 10)
            n = trial.suggest_int("n", 1, 4)
            kind = trial.suggest_categorical("kind", ["a", "b", None])
            return (x - 2) ** 2 + n + (0 if kind == "a" else 1)

        study.optimize(objective, n_trials=25)
        trials = study.trials
        self.assertEqual([t.number for t in trials], list(range(25)))
        self.assertTrue(all(t.state == TrialState.COMPLETE for t in trials))
        best = study.best_trial
        self.assertEqual(best.value, min(t.value for t in trials))
        self.assertEqual(study.best_value, best.value)
        self.assertTrue(-10 <= best.params["x"] <= 10)
        self.assertIn(best.params["kind"], ["a", "b", None])
        self.assertAlmostEqual(best.value, (best.params["x"] - 2) ** 2 + best.params["n"] + (0 if best.params["kind"] == "a" else 1))

    def test_define_by_run_keeps_one_value_per_name_and_allows_conditional_parameters(self):
        study = sextant_client.create_study(URL, unique("cond"), "maximize", sampler="random", sampler_options={"seed": 2})
        seen = []

        def objective(trial):
            model = trial.suggest_categorical("model", ["linear", "tree"])
            if model == "tree":
                depth = trial.suggest_int("depth", 1, 16, log=True)
                self.assertEqual(trial.suggest_int("depth", 1, 16, log=True), depth)
                score = depth
            else:
                score = trial.suggest_float("c", 1e-3, 1e3, log=True)
            seen.append(trial.params)
            return score

        study.optimize(objective, n_trials=12)
        for trial, params in zip(study.trials, seen):
            self.assertEqual(trial.params, params)
            self.assertEqual(set(trial.params), {"model", "depth"} if params["model"] == "tree" else {"model", "c"})
        self.assertEqual(study.direction, "maximize")

    def test_an_exception_fails_the_trial_and_is_raised_unless_caught_and_nan_fails_quietly(self):
        study = sextant_client.create_study(URL, unique("fail"), sampler="random")

        def broken(trial):
            trial.suggest_float("x", 0, 1)
            raise ZeroDivisionError("no luck")

        with self.assertRaises(ZeroDivisionError):
            study.optimize(broken, n_trials=3)
        study.optimize(broken, n_trials=2, catch=(ZeroDivisionError,))
        study.optimize(lambda trial: float("nan"), n_trials=1)
        trials = study.trials
        self.assertEqual([t.state for t in trials], [TrialState.FAIL] * 4)
        self.assertIn("ZeroDivisionError: no luck", trials[0].system_attrs["failReason"])
        self.assertIn("nan", trials[3].system_attrs["failReason"])
        with self.assertRaises(ValueError):
            study.best_trial

    def test_a_study_created_with_warm_start_from_learns_from_the_earlier_one(self):
        earlier = sextant_client.create_study(URL, unique("may"), sampler="tpe", sampler_options={"seed": 1})
        earlier.optimize(lambda trial: (trial.suggest_float("x", -5, 5) - 1) ** 2, n_trials=8)
        # The GP's first trial replays the earlier study's best; cold, it is a quasi-random point.
        later = sextant_client.create_study(URL, unique("june"), sampler="gp", sampler_options={"seed": 2},
                                            warm_start_from=[earlier.study_name])
        self.assertEqual(later.ask().suggest_float("x", -5, 5), earlier.best_params["x"])
        with self.assertRaises(SextantError) as missing:
            sextant_client.create_study(URL, unique("july"), warm_start_from=[unique("april")])
        self.assertEqual((missing.exception.status, missing.exception.field), (404, "body.warmStartFrom"))
        with self.assertRaises(TypeError):
            sextant_client.create_study(URL, unique("august"), warm_start_from=earlier.study_name)

    def test_catch_takes_one_exception_class_as_optuna_does(self):
        # catch=ZeroDivisionError used to fail the trial and then raise "TypeError: 'type' object
        # is not iterable" in place of the objective's exception, stopping the run.
        study = sextant_client.create_study(URL, unique("catch"), sampler="random")
        study.optimize(lambda trial: 1 / 0, n_trials=2, catch=ZeroDivisionError)
        self.assertEqual([t.state for t in study.trials], [TrialState.FAIL] * 2)
        with self.assertRaises(KeyError):
            study.optimize(lambda trial: {}["x"], n_trials=1, catch=ZeroDivisionError)
        # A catch that is no exception class is refused before any trial starts.
        with self.assertRaises(TypeError) as wrong:
            study.optimize(lambda trial: 1.0, n_trials=1, catch="ZeroDivisionError")
        self.assertIn("optimize: catch must be an exception class or a tuple of them", str(wrong.exception))
        self.assertEqual(len(study.trials), 3)


    def test_an_objective_that_returns_no_number_fails_naming_what_it_returned(self):
        study = sextant_client.create_study(URL, unique("returns"), sampler="random")
        results = iter(["garbage", None, {"value": 1}, [0.5, "x"]])
        study.optimize(lambda trial: next(results), n_trials=4)
        reasons = [t.system_attrs["failReason"] for t in study.trials]
        self.assertEqual([t.state for t in study.trials], [TrialState.FAIL] * 4)
        self.assertEqual(reasons[0], "objective returned 'garbage': values: expected a number or a sequence of numbers")
        self.assertEqual(reasons[1], "objective returned None: values: expected a number or a sequence of numbers")
        self.assertEqual(reasons[2], "objective returned {'value': 1}: values: expected a number or a sequence of numbers")
        self.assertEqual(reasons[3], "objective returned [0.5, 'x']: values[1] must be a number, got 'x'")

    def test_a_trial_finished_elsewhere_warns_and_the_run_goes_on(self):
        # Another client (a second server, or the reaper failing a slow trial) finishes the trial
        # while its objective runs: optimize's own tell gets a 409, which warns and goes on, as the
        # TypeScript library does.
        study = sextant_client.create_study(URL, unique("elsewhere"), sampler="random", heartbeat_interval=None)
        other = sextant_client.load_study(URL, study.study_name, heartbeat_interval=None)
        told = []

        def objective(trial):
            x = trial.suggest_float("x", 0, 1)
            if trial.number == 0:
                other.tell(trial.number, state=TrialState.FAIL)
            if trial.number == 1:
                other.tell(trial.number, 0.5)
                raise TrialPruned()
            if trial.number == 2:
                other.tell(trial.number, 0.5)
                raise ZeroDivisionError("no luck")
            return x

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(objective, n_trials=4, catch=(ZeroDivisionError,), callbacks=[lambda s, frozen: told.append(frozen)])
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        self.assertEqual(len(messages), 3, messages)
        for number, message in enumerate(messages):
            self.assertIn("trial %d was finished elsewhere" % number, message)
            # The server's message, e.g. "trial 0 is failed, not running; it can no longer change".
            self.assertRegex(message, r"\(trial %d (is \w+, not running|has already been told)" % number)
        self.assertEqual([t.state for t in study.trials], [TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE, TrialState.COMPLETE])
        # The callbacks see what the server kept, not the result that was dropped.
        self.assertEqual([(t.number, t.state) for t in told], [(t.number, t.state) for t in study.trials])
        # An objective's own error is still raised when not caught, after the warning.
        def told_then_broken(trial):
            other.tell(trial.number, 1.0)
            raise ZeroDivisionError("no luck")

        with warnings.catch_warnings(record=True), self.assertRaises(ZeroDivisionError):
            warnings.simplefilter("always")
            study.optimize(told_then_broken, n_trials=3)
        self.assertEqual(len(study.trials), 5)
        # Any other error answer to optimize's tell still stops the run: here the study is gone (404).
        with self.assertRaises(SextantError) as gone:
            study.optimize(lambda trial: sextant_client.delete_study(URL, study.study_name) or 1.0, n_trials=3)
        self.assertEqual(gone.exception.status, 404)


class ConstraintsAndParetoTest(ClientTestCase):
    def test_a_trial_of_unknown_feasibility_is_not_on_the_front(self):
        # Told before the study had constraints: the server, CLI and dashboard leave it off the
        # front; best_trials counted it feasible (and here it dominates the feasible trial).
        study = sextant_client.create_study(URL, unique("unknown"), directions=["minimize", "maximize"])
        first = study.ask()
        first.suggest_float("x", 0, 1)
        study.tell(first, [0.1, 5.0])
        second = study.ask()
        second.suggest_float("x", 0, 1)
        study.tell(second, [0.5, 1.0], constraints=[-1.0])
        self.assertEqual([t.number for t in study.best_trials], [second.number])

    def test_optimize_fails_a_trial_whose_constraints_func_returns_the_wrong_count_and_goes_on(self):
        study = sextant_client.create_study(URL, unique("ccount"), sampler="random", sampler_options={"seed": 1})
        counts = iter([1, 2, 1])
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3,
                       constraints_func=lambda trial: [-1.0] * next(counts))
        states = [(t.state, t.system_attrs.get("failReason")) for t in study.trials]
        self.assertEqual(states[0], (TrialState.COMPLETE, None))
        self.assertEqual(states[1][0], TrialState.FAIL)
        self.assertIn("constraints_func: body.constraints", states[1][1])
        self.assertEqual(states[2], (TrialState.COMPLETE, None))

    def test_optimize_evaluates_constraints_func_for_pruned_trials_too_as_optuna_does(self):
        # Optuna 3.1 evaluates constraints_func for complete and pruned trials; it ran only after a
        # return here, and a pruned trial was stored without constraints.
        study = sextant_client.create_study(URL, unique("cpruned"), sampler="random", sampler_options={"seed": 1})
        seen = []

        def objective(trial):
            trial.suggest_float("x", 0, 1)
            trial.report(float(trial.number), 0)
            if trial.number % 2 == 1:
                raise TrialPruned()
            return 1.0

        def constraints_func(trial):
            seen.append(trial.number)
            if trial.number == 3:
                raise RuntimeError("no memory figure")
            return [trial.number - 1.5]

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(objective, n_trials=4, constraints_func=constraints_func)
        self.assertEqual(seen, [0, 1, 2, 3])
        self.assertEqual([(t.state, t.constraints) for t in study.trials],
                         [(TrialState.COMPLETE, [-1.5]), (TrialState.PRUNED, [-0.5]), (TrialState.COMPLETE, [0.5]), (TrialState.PRUNED, None)])
        self.assertEqual([str(w.message) for w in caught],
                         ["sextant_client: trial 3 pruned without constraint values: constraints_func: RuntimeError: no memory figure"])
        # Told directly, too; a wrong count is refused as for a complete trial, the trial left running.
        trial = study.ask()
        with self.assertRaises(SextantError) as refused:
            study.tell(trial, state=TrialState.PRUNED, constraints=[1.0, 2.0])
        self.assertEqual(refused.exception.status, 400)
        self.assertEqual(study.tell(trial, state=TrialState.PRUNED, constraints=[2.0]).constraints, [2.0])

    def test_tell_refuses_a_pruned_trials_nan_or_non_number_constraints_before_sending_and_leaves_it_running(self):
        # They were dropped with a warning and the trial stored pruned; the library and the HTTP API refuse them.
        study = sextant_client.create_study(URL, unique("cprunednan"), sampler="random", sampler_options={"seed": 1})
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        for bad in ([float("nan")], ["a"]):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with self.assertRaisesRegex(ValueError, "pruned trial's constraints"):
                    study.tell(trial, state=TrialState.PRUNED, constraints=bad)
        self.assertEqual(study.trials[0].state, TrialState.RUNNING)
        self.assertEqual(study.tell(trial, state=TrialState.PRUNED, constraints=[-1.0]).constraints, [-1.0])

    def test_optimize_stores_a_pruned_trial_whose_constraints_func_gives_the_wrong_count_without_them(self):
        study = sextant_client.create_study(URL, unique("cprunedcount"), sampler="random", sampler_options={"seed": 1})

        def objective(trial):
            trial.suggest_float("x", 0, 1)
            if trial.number == 1:
                raise TrialPruned()
            return 1.0

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(objective, n_trials=2, constraints_func=lambda trial: [-1.0] * (trial.number + 1))
        self.assertEqual([(t.state, t.constraints) for t in study.trials], [(TrialState.COMPLETE, [-1.0]), (TrialState.PRUNED, None)])
        self.assertEqual(len(caught), 1)
        self.assertIn("sextant_client: trial 1 pruned without constraint values: constraints_func: body.constraints", str(caught[0].message))

    def test_best_trial_of_a_study_whose_complete_trials_are_all_infeasible_says_so(self):
        # It said "no trial of study ... has completed yet" beside a complete trial.
        study = sextant_client.create_study(URL, unique("infeasible"), sampler="random", sampler_options={"seed": 1})
        with self.assertRaisesRegex(ValueError, "has completed yet"):
            study.best_trial
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2, constraints_func=lambda trial: [1.0])
        for read in (lambda: study.best_trial, lambda: study.best_value, lambda: study.recommendation):
            with self.assertRaises(ValueError) as raised:
                read()
            self.assertIn("no feasible trial", str(raised.exception))
            self.assertIn("2 complete trial(s)", str(raised.exception))
            self.assertNotIn("completed yet", str(raised.exception))

    def test_create_study_refuses_direction_and_directions_together(self):
        with self.assertRaises(ValueError):
            sextant_client.create_study(URL, unique("both"), "maximize", directions=["minimize", "minimize"])
        self.assertEqual(sextant_client.create_study(URL, unique("one"), "maximize").directions, ["maximize"])


    def test_a_constrained_multi_objective_study_keeps_constraints_and_its_front_is_feasible_and_non_dominated(self):
        study = sextant_client.create_study(URL, unique("front"), directions=["minimize", "maximize"], sampler="random",
                                            sampler_options={"seed": 3})

        def objective(trial):
            x = trial.suggest_float("x", 0, 1)
            return x, x * x + 0.5 * x

        study.optimize(objective, n_trials=12, constraints_func=lambda trial: [trial.params["x"] - 0.7])
        trials = study.trials
        self.assertEqual([t.constraints for t in trials], [[t.params["x"] - 0.7] for t in trials])
        front = study.best_trials
        feasible = [t for t in trials if t.params["x"] <= 0.7]
        # Both objectives grow with x: the front of the feasible trials is the two extremes' trade-off,
        # here every feasible trial (x buys the second objective at the cost of the first).
        self.assertEqual(sorted(t.number for t in front), sorted(t.number for t in feasible))
        self.assertTrue(all(t.params["x"] <= 0.7 for t in front))
        # A wrong count of constraints is refused and the trial stays running, to be told again.
        trial = study.ask()
        with self.assertRaises(SextantError) as refused:
            study.tell(trial, [0.1, 0.2], constraints=[1, 2])
        self.assertEqual(refused.exception.status, 400)
        told = study.tell(trial, [0.1, 0.2], constraints=[-1])
        # Floats, as in Optuna, also where JSON wrote a whole number (-1.0 as -1).
        self.assertEqual([(type(value), value) for value in told.constraints], [(float, -1.0)])
        failing = sextant_client.create_study(URL, unique("cfail"), sampler="random")
        failing.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=1, constraints_func=lambda trial: ["a"])
        self.assertEqual(failing.trials[0].state, TrialState.FAIL)
        self.assertIn("constraints_func: TypeError: constraints[0] must be a number, got 'a'", failing.trials[0].system_attrs["failReason"])

    def test_optimize_without_constraints_func_on_a_constrained_study_fails_each_trial_with_the_reason_and_goes_on(self):
        study = sextant_client.create_study(URL, unique("cmissing"), directions=["minimize", "maximize"], sampler="random")
        study.tell(study.ask(), [0.1, 0.2], constraints=[-1])
        # It raised the server's 400 out of optimize and left the trial running, for the reaper to queue again.
        study.optimize(lambda trial: [trial.suggest_float("x", 0, 1), 1.0], n_trials=2)
        self.assertEqual([t.state for t in study.trials], [TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL])
        self.assertEqual(study.trials[1].system_attrs["failReason"],
                         "body.constraints: the study's trials have 1 constraint value(s), got none; "
                         "pass optimize(..., constraints_func=...) to report them")
        self.assertEqual(study._heartbeats, {})

    def test_a_nan_or_infinite_constraint_fails_its_trial_with_the_reason_as_a_nan_value_does(self):
        study = sextant_client.create_study(URL, unique("cnan"), directions=["minimize", "maximize"], sampler="random")
        study.tell(study.ask(), [0.1, 0.2], constraints=[-1])
        # It raised, and the trial stayed running (beating) until someone told it again or the server reaped it.
        for bad in (float("nan"), float("inf")):
            trial = study.ask()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                told = study.tell(trial, [0.1, 0.2], constraints=[bad])
            self.assertEqual(told.state, TrialState.FAIL)
            self.assertEqual(told.system_attrs["failReason"], "tell: constraints[0] must be finite, got %r" % bad)
            self.assertEqual([str(w.message) for w in caught], ["sextant_client: trial %d failed: tell: constraints[0] must be finite, got %r" % (trial.number, bad)])
            self.assertNotIn(trial.number, study._heartbeats)
        # Through optimize, the reason names a ValueError, not the client's private class.
        study.optimize(lambda trial: [0.3, 0.4], n_trials=1, constraints_func=lambda trial: [float("nan")])
        self.assertEqual(study.trials[-1].state, TrialState.FAIL)
        self.assertEqual(study.trials[-1].system_attrs["failReason"], "constraints_func: ValueError: constraints[0] must be finite, got nan")
        self.assertEqual([t.state for t in study.trials], [TrialState.COMPLETE] + [TrialState.FAIL] * 3)


class RecommendationTest(ClientTestCase):
    def test_a_gp_study_recommends_its_best_posterior_mean_and_a_random_one_its_best_trial(self):
        gp = sextant_client.create_study(URL, unique("rec-gp"), "minimize", sampler="gp", sampler_options={"seed": 3, "nStartupTrials": 4})
        # A shallow bowl under noise as large as its depth: the GP fits a model from the fifth trial
        # on, finds the noise material and records its recommendation.
        gp.optimize(lambda trial: 0.1 * (trial.suggest_float("x", -3, 3) - 1) ** 2 + ((trial.number * 7919) % 11) / 11, n_trials=12)
        recommendation = gp.recommendation
        self.assertEqual(recommendation.source, "model")
        self.assertEqual(recommendation.units, "objective")
        self.assertIsInstance(recommendation.posterior_mean, float)
        self.assertGreaterEqual(recommendation.posterior_sd, 0.0)
        self.assertGreaterEqual(recommendation.model_trials, 4)
        self.assertIn(recommendation.trial.number, [t.number for t in gp.trials if t.state == TrialState.COMPLETE])
        self.assertEqual(gp.recommended_trial.number, recommendation.trial.number)

        plain = sextant_client.create_study(URL, unique("rec-random"), "minimize", sampler="random", sampler_options={"seed": 1})
        plain.optimize(lambda trial: trial.suggest_float("x", -3, 3) ** 2, n_trials=5)
        self.assertEqual(plain.recommendation.source, "best observed")
        self.assertIsNone(plain.recommendation.posterior_mean)
        self.assertEqual(plain.recommended_trial.number, plain.best_trial.number)


class PruningTest(ClientTestCase):
    def test_report_and_should_prune_follow_the_servers_median_pruner(self):
        study = sextant_client.create_study(
            URL, unique("prune"), "minimize", sampler="random", pruner="median",
            # Optuna's warm-up of 0 (Sextant's median waits by default until the steps rank trials).
            pruner_options={"nStartupTrials": 3, "nWarmupSteps": 0},
        )

        def objective(trial):
            # Trials 0-2 set the median at 1.0; later ones report 5.0 and must be pruned at step 0.
            level = 1.0 if trial.number < 3 else 5.0
            for step in range(3):
                trial.report(level, step)
                if trial.should_prune():
                    raise TrialPruned()
            return level

        study.optimize(objective, n_trials=5)
        states = [t.state for t in study.trials]
        self.assertEqual(states, [TrialState.COMPLETE] * 3 + [TrialState.PRUNED] * 2)
        pruned = study.trials[3]
        self.assertEqual(pruned.intermediate_values, {0: 5.0})
        self.assertEqual(pruned.values, [5.0])
        self.assertEqual([t.last_step for t in study.trials], [2, 2, 2, 0, 0])

    def test_last_step_is_the_largest_step_reported_or_none(self):
        # Optuna's FrozenTrial.last_step: where a pruned trial stopped, whatever the order of its reports.
        study = sextant_client.create_study(URL, unique("last-step"), "minimize", sampler="random")
        trial = study.ask()
        self.assertIsNone(study.trials[0].last_step)
        trial.report(1.0, 5)
        trial.report(2.0, 3)
        self.assertEqual(study.tell(trial, state=TrialState.PRUNED).last_step, 5)


    def test_a_repeated_step_keeps_its_first_value_and_warns_once(self):
        study = sextant_client.create_study(URL, unique("repeat"), "minimize", sampler="random")
        trial = study.ask()
        trial.report(1.0, 0)
        with self.assertLogs("sextant_client", level="WARNING") as logs:
            trial.report(2.0, 0)
            trial.report(3.0, 0)
        self.assertEqual(len(logs.records), 1)
        self.assertIn("step 0 was already reported; ignoring 2.0", logs.output[0])
        with self.assertNoLogs("sextant_client", level="WARNING"):
            trial.report(1.0, 0)  # the same value again (a retried request, say) is no repeat
            trial.report(4.0, 1)
        self.assertEqual(study.tell(trial, 4.0).intermediate_values, {0: 1.0, 1: 4.0})


class AskTellTest(ClientTestCase):
    def test_tell_refuses_a_trial_of_another_study_and_writes_nothing(self):
        # It told this study's trial of the same number: another trial's result overwritten, the right one left running.
        first = sextant_client.create_study(URL, unique("first"), heartbeat_interval=None)
        second = sextant_client.create_study(URL, unique("second"), heartbeat_interval=None)
        mine, theirs = first.ask(), second.ask()
        self.assertEqual(mine.number, theirs.number)
        with self.assertRaisesRegex(ValueError, "belongs to study %r" % first.study_name):
            second.tell(mine, 1.0)
        self.assertEqual([(t.state, t.values) for t in first.trials], [(TrialState.RUNNING, None)])
        self.assertEqual([(t.state, t.values) for t in second.trials], [(TrialState.RUNNING, None)])
        # The same study loaded again takes it.
        again = sextant_client.load_study(URL, first.study_name, heartbeat_interval=None)
        self.assertEqual(again.tell(mine, 2.0).values, [2.0])
        self.assertEqual(second.tell(theirs, 3.0).values, [3.0])

    def test_ask_with_fixed_distributions_then_tell(self):
        study = sextant_client.create_study(URL, unique("asktell"), "minimize", sampler="tpe", sampler_options={"seed": 4})
        space = {"x": FloatDistribution(-3, 3), "k": IntDistribution(0, 10, step=2)}
        for _ in range(6):
            trial = study.ask(space)
            self.assertEqual(set(trial.params), {"x", "k"})
            self.assertEqual(trial.params["k"] % 2, 0)
            self.assertEqual(trial.suggest_float("x", -3, 3), trial.params["x"])
            frozen = study.tell(trial, trial.params["x"] ** 2 + trial.params["k"])
            self.assertEqual(frozen.state, TrialState.COMPLETE)
        noted = study.ask()
        noted.set_user_attr("epochs", [1, 2, 3])
        self.assertEqual(noted.user_attrs, {"epochs": [1, 2, 3]})
        self.assertEqual(study.tell(noted, 0.5).user_attrs, {"epochs": [1, 2, 3]})
        failed = study.ask()
        self.assertEqual(study.tell(failed, state=TrialState.FAIL).state, TrialState.FAIL)
        pruned = study.ask()
        pruned.report(3.0, 0)
        self.assertEqual(study.tell(pruned.number, state=TrialState.PRUNED).values, [3.0])
        with self.assertRaises(SextantError) as told_twice:
            study.tell(failed, 1.0)
        self.assertEqual(told_twice.exception.status, 409)
        self.assertEqual(len(study.get_trials(states=(TrialState.COMPLETE,))), 7)
        # Optuna code (MaxTrialsCallback) passes deepcopy first; it was a TypeError.
        self.assertEqual(len(study.get_trials(False, states=(TrialState.COMPLETE,))), 7)
        self.assertEqual(len(study.get_trials(deepcopy=False)), len(study.trials))
        # A generator was read up by the first trial's test, and every later trial was left out.
        finished = study.get_trials(states=(state for state in (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)))
        self.assertEqual([t.number for t in finished], [t.number for t in study.trials if t.state.is_finished()])
        self.assertEqual(len(finished), 9)

    def test_tell_refuses_values_with_a_pruned_or_failed_state_as_optuna_does(self):
        # Optuna 3.1 raises ValueError("Values were told. Values cannot be specified when state is
        # TrialState.PRUNED or TrialState.FAIL."); a failed trial's value used to be dropped silently.
        study = sextant_client.create_study(URL, unique("state-values"), sampler="random", heartbeat_interval=None)
        trial = study.ask()
        trial.report(0.5, 0)
        for state, values in ((TrialState.FAIL, 1.0), (TrialState.PRUNED, [1.0]), (TrialState.FAIL, [])):
            with self.assertRaises(ValueError) as refused:
                study.tell(trial, values, state=state)
            self.assertIn("tell: values were given with state %s; a pruned or failed trial takes no values, as in Optuna" % state.name,
                          str(refused.exception))
        # Nothing reached the server: the trial still runs, and told pruned it keeps its last reported value.
        self.assertEqual(_wire(study, "/trials/%d" % trial.number)["trial"]["state"], "running")
        self.assertEqual(study.tell(trial, state=TrialState.PRUNED).values, [0.5])

    def test_float_parameters_are_floats_and_int_parameters_ints_even_when_whole(self):
        # JSON writes 1.0 as 1, which Python reads as an int; Optuna's suggest_float always gives a float.
        study = sextant_client.create_study(URL, unique("types"), sampler="random", sampler_options={"seed": 5})
        trial = study.ask({"fixed": FloatDistribution(3, 3), "k": IntDistribution(2, 2)})
        suggested = {
            "h": trial.suggest_float("h", 1.0, 1.0),
            "s": trial.suggest_float("s", 0, 2, step=1),  # every point of the grid is whole
            "l": trial.suggest_float("l", 2, 2, log=True),
            "n": trial.suggest_int("n", 4, 4),
        }
        self.assertEqual(trial.suggest_float("h", 1.0, 1.0), 1.0)  # asked again: the value kept, still a float
        expected = {"fixed": float, "k": int, "h": float, "s": float, "l": float, "n": int}
        self.assertEqual({name: type(value) for name, value in suggested.items()}, {name: expected[name] for name in suggested})
        self.assertEqual(type(trial.suggest_float("h", 1.0, 1.0)), float)
        self.assertEqual({name: type(value) for name, value in trial.params.items()}, expected)
        trial.report(2.0, 1)
        frozen = study.tell(trial, 1.0)
        self.assertEqual({name: type(value) for name, value in frozen.params.items()}, expected)
        # Objective and intermediate values are floats too (they came back as ints when whole).
        self.assertEqual((type(frozen.value), type(frozen.intermediate_values[1]), type(study.best_value)), (float, float, float))
        self.assertEqual({name: type(value) for name, value in study.trials[0].params.items()}, expected)
        self.assertEqual({name: type(value) for name, value in study.best_params.items()}, expected)

    def test_a_categorical_choice_comes_back_as_declared_a_float_as_a_float_and_a_bool_as_a_bool(self):
        # JSON writes 1.0 as 1, and Python's True == 1: the value must be the choice declared, as
        # Optuna's choices[index] is (scikit-learn reads max_features=1.0 as every feature, 1 as one).
        study = sextant_client.create_study(URL, unique("choices"), sampler="random", sampler_options={"seed": 6})
        declared = {"scale": [1.0, 2.5, 3], "flag": [True, 1, 0.0, False], "fixed": [2.0, True]}

        def typed(values):
            return {name: (type(value), value) for name, value in values.items()}

        seen = set()
        for _ in range(30):
            trial = study.ask({"fixed": CategoricalDistribution(declared["fixed"])})
            values = {name: trial.suggest_categorical(name, declared[name]) for name in ("scale", "flag")}
            values["fixed"] = trial.params["fixed"]
            for name, value in values.items():
                self.assertIn((type(value), value), [(type(choice), choice) for choice in declared[name]], name)
                seen.add((name, type(value), value))
            # Asked again, the kept value; in params and in what tell answers, the same.
            self.assertEqual(typed({"scale": trial.suggest_categorical("scale", declared["scale"])}), typed({"scale": values["scale"]}))
            self.assertEqual(typed(trial.params), typed(values))
            self.assertEqual(typed(study.tell(trial, values["scale"]).params), typed(values))
        self.assertEqual(seen, {(name, type(choice), choice) for name, choices in declared.items() for choice in choices})
        for frozen in study.trials:
            for name, value in frozen.params.items():
                self.assertIn((type(value), value), [(type(choice), choice) for choice in declared[name]], name)
        self.assertEqual(study.trials[0].distributions["scale"]["choices"], declared["scale"])
        self.assertEqual(typed(study.best_params), typed(study.best_trial.params))

        # [True, 2] is another distribution than [1, 2], though Python finds them equal: the server says so.
        trial = study.ask()
        self.assertIn(trial.suggest_categorical("on", [1, 2]), (1, 2))
        with self.assertRaises(SextantError) as changed:
            trial.suggest_categorical("on", [True, 2])
        self.assertEqual((changed.exception.status, changed.exception.field), (409, "body.distribution"))
        study.tell(trial, state=TrialState.FAIL)

    def test_trials_read_before_a_choice_is_declared_come_back_as_declared_after(self):
        name = unique("declared-late")
        objective = lambda trial: trial.suggest_categorical("c", [1.0, 2.5])  # noqa: E731
        sextant_client.create_study(URL, name, sampler="random", sampler_options={"seed": 2}).optimize(objective, n_trials=4)
        later = sextant_client.load_study(URL, name)
        self.assertEqual(len(later.trials), 4)  # read before this process declares the choices
        later.optimize(objective, n_trials=2)
        # The first four stayed the ints the server stores (1 for 1.0) beside 1.0 from the new ones.
        self.assertEqual({type(t.params["c"]) for t in later.trials}, {float})

    def test_load_study_sees_the_same_trials_and_delete_removes_them(self):
        name = unique("shared")
        first = sextant_client.create_study(URL, name, "minimize", sampler="random")
        first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        second = sextant_client.load_study(URL, name)
        self.assertEqual([t.params for t in second.trials], [t.params for t in first.trials])
        self.assertEqual(second.best_trial.number, first.best_trial.number)
        self.assertIn(name, [s["name"] for s in sextant_client.list_studies(URL)])
        with self.assertRaises(sextant_client.DuplicatedStudyError):
            sextant_client.create_study(URL, name)
        self.assertEqual(sextant_client.create_study(URL, name, load_if_exists=True).study_name, name)
        sextant_client.delete_study(URL, name)
        with self.assertRaises(SextantError) as missing:
            sextant_client.load_study(URL, name)
        self.assertEqual(missing.exception.status, 404)


    def test_create_study_with_load_if_exists_and_no_direction_joins_a_study_of_several_objectives(self):
        # The client sent "minimize" for no direction, and the server answered 409: a worker could
        # not join a study of several objectives by its name, as Optuna's create_study does.
        name = unique("joined")
        first = sextant_client.create_study(URL, name, directions=["minimize", "maximize"])
        joined = sextant_client.create_study(URL, name, load_if_exists=True)
        self.assertEqual((joined.study_name, joined.directions), (name, first.directions))
        with self.assertRaises(SextantError) as other:
            sextant_client.create_study(URL, name, "minimize", load_if_exists=True)
        self.assertEqual(other.exception.status, 409)
        self.assertEqual(sextant_client.create_study(URL, unique("new"), load_if_exists=True).directions, ["minimize"])

    def test_create_study_with_load_if_exists_warns_of_each_setting_the_found_study_keeps(self):
        # The server kept the study's own sampler and user attributes and dropped the ones asked for without a word.
        name = unique("kept")
        settings = {"sampler": "random", "sampler_options": {"seed": 1}, "user_attrs": {"team": "a"}, "heartbeat_interval": None}
        sextant_client.create_study(URL, name, **settings)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sextant_client.create_study(URL, name, load_if_exists=True, **settings)
            sextant_client.create_study(URL, name, load_if_exists=True, heartbeat_interval=None)
        self.assertEqual([str(w.message) for w in caught], [])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded = sextant_client.create_study(URL, name, sampler="tpe", user_attrs={"team": "b"}, load_if_exists=True, heartbeat_interval=None)
        kept = "is ignored, as loadIfExists keeps the study as it is"
        self.assertEqual([str(w.message) for w in caught], [
            "sextant_client: study \"%s\" was created with sampler random (seed=1); this request's sampler tpe %s" % (name, kept),
            "sextant_client: study \"%s\" has user attribute \"team\" = \"a\"; this request's \"b\" %s" % (name, kept),
        ])
        self.assertEqual({w.category for w in caught}, {UserWarning})
        # Pointed at the caller's line, as the client's other warnings are.
        self.assertEqual({os.path.abspath(w.filename) for w in caught}, {os.path.abspath(__file__)})
        self.assertEqual(loaded.user_attrs, {"team": "a"})

    def test_the_api_url_sextant_serve_prints_reaches_the_same_server(self):
        # `sextant serve` prints "API at http://host:port/api/v1"; that URL asked for /api/v1/api/v1/… and got 404.
        name = unique("api-url")
        sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        for url in (URL.rstrip("/") + "/api/v1", URL.rstrip("/") + "/api/v1/"):
            study = sextant_client.load_study(url, name, heartbeat_interval=None)
            study.tell(study.ask(), 1.0)
            self.assertIn(name, [s["name"] for s in sextant_client.list_studies(url)])
        self.assertEqual(len(sextant_client.load_study(URL, name).trials), 2)

    def test_a_trial_is_told_through_the_same_study_loaded_with_the_api_url(self):
        # The ownership check compared the URLs as given: "belongs to study … at http://h:p, not to … at http://h:p/api/v1".
        name = unique("api-url-tell")
        study = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        for url in (URL.rstrip("/") + "/api/v1", URL.rstrip("/") + "/api/v1/", URL.rstrip("/") + "/"):
            same = sextant_client.load_study(url, name, heartbeat_interval=None)
            self.assertEqual(same._connection.url, study._connection.url)
            self.assertEqual(same.tell(study.ask(), 1.0).state, TrialState.COMPLETE)
            self.assertEqual(study.tell(same.ask(), 2.0).state, TrialState.COMPLETE)
        self.assertNotIn("api/v1", repr(sextant_client.load_study(URL.rstrip("/") + "/api/v1", name, heartbeat_interval=None)))
        self.assertEqual(len(study.trials), 6)

    def test_a_study_an_older_sextant_named_with_a_dot_or_a_lone_surrogate_is_loaded_asked_told_and_deleted(self):
        # ".." went out as it is, and URL parsers drop such a segment: the server never saw the name.
        # _quote raised UnicodeEncodeError on the surrogate.
        names = [".", "..", unique("lone") + "\ud800"]
        older_studies(self, names)
        for name in names:
            study = sextant_client.load_study(URL, name)
            self.assertEqual(study.study_name, name)
            trial = study.ask()
            study.tell(trial, trial.suggest_float("x", 0, 1))
            self.assertEqual([t.state for t in sextant_client.load_study(URL, name).trials], [TrialState.COMPLETE])
            sextant_client.delete_study(URL, name)
            with self.assertRaises(SextantError) as missing:
                sextant_client.load_study(URL, name)
            self.assertEqual(missing.exception.status, 404)
            study.close()

    def test_a_study_named_with_a_lone_surrogate_is_asked_for_by_its_wtf8_bytes(self):
        # _quote raised UnicodeEncodeError: such a study, listed by the server, could not be loaded or deleted.
        path = "/api/v1/studies/lone%ED%A0%80"
        study = {"name": "lone\ud800", "directions": ["minimize"], "userAttrs": {}}
        server = _ScriptedServer({
            ("GET", path): [(200, {"study": study})],
            ("GET", path + "/trials"): [(200, {"trials": [], "seq": 0, "more": False})],
            ("GET", "/api/v1/health"): [(200, {"status": "ok", "version": "0", "heartbeatGraceSeconds": 600})],
            ("DELETE", path): [(200, {"deleted": True})],
        })
        try:
            loaded = sextant_client.load_study(server.url, "lone\ud800")
            self.assertEqual(loaded.study_name, "lone\ud800")
            sextant_client.delete_study(server.url, "lone\ud800")
            self.assertEqual([request for request in server.requests if request[1].startswith("/api/v1/studies")][0], ("GET", path))
            self.assertEqual(server.count("DELETE", path), 1)
            loaded.close()
        finally:
            server.close()


class TrialBudgetTest(ClientTestCase):
    def test_optimize_stops_quietly_at_the_budget_of_sextant_create_trials_and_ask_raises_a_named_error(self):
        name = sextant_create(self, "budget", "--param", "x=float:0:1", "--trials", "3", "--sampler", "random")
        study = sextant_client.load_study(URL, name)
        # optimize raised SextantError(409, "...used up its budget...") here, as if the run had broken.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            self.assertIsNone(study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=10))
        self.assertEqual([t.state for t in study.trials], [TrialState.COMPLETE] * 3)
        study.optimize(lambda trial: self.fail("no trial is left to run"), n_trials=1)
        with self.assertRaises(sextant_client.TrialBudgetSpentError) as spent:
            study.ask()
        self.assertIsInstance(spent.exception, SextantError)
        self.assertEqual((spent.exception.status, spent.exception.code), (409, "trial_budget_spent"))
        self.assertIn("has used up its budget of 3 trial(s)", spent.exception.message)
        # Another 409 is no spent budget: a trial told twice.
        with self.assertRaises(SextantError) as told_twice:
            study.tell(study.trials[0].number, 1.0)
        self.assertEqual(told_twice.exception.status, 409)
        self.assertNotIsInstance(told_twice.exception, sextant_client.TrialBudgetSpentError)
        self.assertIsNone(told_twice.exception.code)

    def test_optimize_stops_quietly_when_a_grid_has_no_point_left_and_ask_raises_a_named_error(self):
        study = sextant_client.create_study(URL, unique("grid"), "minimize", sampler="grid", sampler_options={"grid": '{"x": [0, 1]}'})
        # optimize raised SextantError(409, 'sampler "grid" has no more points to propose').
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            self.assertIsNone(study.optimize(lambda trial: trial.suggest_categorical("x", [0, 1]), n_trials=5))
        self.assertEqual(sorted(t.params["x"] for t in study.trials), [0, 1])
        with self.assertRaises(sextant_client.SamplerExhaustedError) as exhausted:
            study.ask()
        self.assertIsInstance(exhausted.exception, SextantError)
        self.assertEqual((exhausted.exception.status, exhausted.exception.code), (409, "sampler_exhausted"))


class FixedParamOutOfRangeTest(ClientTestCase):
    def test_optimize_fails_a_trial_enqueued_outside_the_objectives_range_and_goes_on(self):
        name = sextant_create(self, "enqueued", "--param", "x=float:0:5", "--enqueue", "x=1.5", "--enqueue", "x=4.5",
                              "--trials", "4", "--sampler", "random")
        study = sextant_client.load_study(URL, name)
        # An ask with the range fixed up front is refused with the named error; the server failed that trial.
        with self.assertRaises(sextant_client.FixedParamOutOfRangeError) as asked:
            study.ask({"x": FloatDistribution(2, 3)})
        self.assertEqual((asked.exception.status, asked.exception.code, asked.exception.field),
                         (409, "fixed_param_out_of_range", "body.space.x"))
        # optimize raised SextantError(409, 'trial 1: enqueued value 4.5 of "x" is not inside ...') and stopped.
        with self.assertLogs("sextant_client", level="WARNING") as logs:
            study.optimize(lambda trial: trial.suggest_float("x", 2, 3), n_trials=3)
        self.assertEqual([t.state for t in study.trials], [TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE])
        reason = 'trial %d: enqueued value %s of "x" is not inside {"type":"float","low":2,"high":3}'
        self.assertEqual([t.system_attrs["failReason"] for t in study.trials[:2]], [reason % (0, 1.5), reason % (1, 4.5)])
        self.assertIn("trial 1 fails and optimize goes on: " + reason % (1, 4.5), logs.output[0])

    def test_a_suggest_outside_a_queued_value_fails_the_trial_in_ask_and_tell_without_a_tell(self):
        name = sextant_create(self, "enqueued", "--param", "x=float:0:5", "--enqueue", "x=1.5", "--enqueue", "x=4.5",
                              "--trials", "3", "--sampler", "random")
        study = sextant_client.load_study(URL, name)
        trial = study.ask()
        with self.assertRaises(sextant_client.FixedParamOutOfRangeError) as suggested:
            trial.suggest_float("x", 2, 3)
        # Left running, its heartbeat kept it alive for as long as the process lived.
        self.assertNotIn(trial.number, study._heartbeats)
        stored = study.trials[trial.number]
        self.assertEqual((stored.state, stored.system_attrs["failReason"]), (TrialState.FAIL, suggested.exception.message))
        # Failing it, as callers had to, answers the trial as stored; it raised SextantError(409).
        told = study.tell(trial, state=TrialState.FAIL)
        self.assertEqual((told.number, told.state), (trial.number, TrialState.FAIL))
        # optimize goes on without a warning that the trial was "finished elsewhere".
        with warnings.catch_warnings(record=True) as caught, self.assertLogs("sextant_client", level="WARNING"):
            warnings.simplefilter("always")
            study.optimize(lambda t: t.suggest_float("x", 2, 3), n_trials=2)
        self.assertEqual([str(w.message) for w in caught], [])
        self.assertEqual([t.state for t in study.trials], [TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE])
        study.close()


class GridMismatchTest(ClientTestCase):
    def test_a_grid_that_does_not_fit_the_space_asked_for_raises_a_named_error(self):
        # The server's 409 had neither field nor code, and the client raised a bare SextantError like any other 409.
        study = sextant_client.create_study(URL, unique("grid"), "minimize", sampler="grid",
                                            sampler_options={"grid": json.dumps({"x": [1, 2, 3, 4]})}, heartbeat_interval=None)
        with self.assertRaises(sextant_client.GridMismatchError) as outside:
            study.ask({"x": IntDistribution(5, 9)})
        self.assertEqual((outside.exception.status, outside.exception.code, outside.exception.field),
                         (409, "grid_value_out_of_range", "body.space.x"))
        with warnings.catch_warnings(record=True) as caught, self.assertRaises(sextant_client.GridMismatchError) as missing:
            warnings.simplefilter("always")
            study.optimize(lambda trial: trial.suggest_float("y", 0, 1), n_trials=1)
        self.assertEqual((missing.exception.code, missing.exception.field), ("param_not_in_grid", "body.distribution"))
        self.assertIsInstance(missing.exception, SextantError)
        # The server failed the trial: optimize's own fail used to meet a 409 and warn it "finished elsewhere".
        self.assertEqual([str(w.message) for w in caught], [])
        self.assertEqual([t.state for t in study.trials], [TrialState.FAIL, TrialState.FAIL])
        # In ask/tell the server fails the trial too; a tell of FAIL answers it as stored.
        trial = study.ask()
        with self.assertRaises(sextant_client.GridMismatchError):
            trial.suggest_int("x", 5, 9)
        self.assertEqual(study.trials[trial.number].state, TrialState.FAIL)
        self.assertEqual(study.tell(trial, state=TrialState.FAIL).state, TrialState.FAIL)
        # Told by its number, alike, as the TypeScript library answers it; it raised SextantError(409).
        by_number = study.ask()
        with self.assertRaises(sextant_client.GridMismatchError):
            by_number.suggest_int("x", 5, 9)
        told = study.tell(by_number.number, state=TrialState.FAIL)
        self.assertEqual((told.number, told.state), (by_number.number, TrialState.FAIL))
        study.close()


class SamplerFailedTest(ClientTestCase):
    def test_a_trial_the_server_failed_for_its_sampler_is_not_told_again(self):
        # The sampler comes from test/fixtures/breaks-on-suggest-sampler.mjs, which test/python-client.test.ts loads into the server.
        try:
            study = sextant_client.create_study(URL, unique("breaks"), "minimize", sampler="test-breaks-on-suggest")
        except SextantError as error:
            if error.status == 400 and error.field == "body.sampler":
                self.skipTest("the server has no test-breaks-on-suggest sampler (test/python-client.test.ts loads it)")
            raise
        with warnings.catch_warnings(record=True) as caught, self.assertRaises(sextant_client.SamplerFailedError) as failed:
            warnings.simplefilter("always")
            study.optimize(lambda trial: trial.suggest_float("x", 0, 1) + trial.suggest_float("broken", 0, 1), n_trials=2)
        self.assertEqual((failed.exception.status, failed.exception.code), (500, "sampler_failed"))
        self.assertIn("the server has failed trial 0", failed.exception.message)
        self.assertIsInstance(failed.exception, SextantError)
        # A plain 500 before: optimize told the trial again, met a 409 and warned that it was "finished elsewhere".
        self.assertEqual([str(w.message) for w in caught], [])
        self.assertEqual([(t.state, t.system_attrs["failReason"]) for t in study.trials], [(TrialState.FAIL, "the model could not be fitted")])
        # In ask/tell its heartbeat stops, and a tell of FAIL answers the trial as stored.
        trial = study.ask()
        with self.assertRaises(sextant_client.SamplerFailedError):
            trial.suggest_float("broken", 0, 1)
        self.assertNotIn(trial.number, study._heartbeats)
        self.assertEqual(study.tell(trial, state=TrialState.FAIL).state, TrialState.FAIL)
        # Told by its number, as the TypeScript library answers it; it raised SextantError(409).
        by_number = study.ask()
        with self.assertRaises(sextant_client.SamplerFailedError):
            by_number.suggest_float("broken", 0, 1)
        told = study.tell(by_number.number, state=TrialState.FAIL)
        self.assertEqual((told.number, told.state, told.system_attrs["failReason"]),
                         (by_number.number, TrialState.FAIL, "the model could not be fitted"))
        study.close()

    def test_a_beat_that_meets_the_trial_its_suggest_failed_does_not_warn(self):
        try:
            study = sextant_client.create_study(URL, unique("breaks-beat"), "minimize", sampler="test-breaks-on-suggest",
                                                heartbeat_interval=0.05)
        except SextantError as error:
            if error.status == 400 and error.field == "body.sampler":
                self.skipTest("the server has no test-breaks-on-suggest sampler (test/python-client.test.ts loads it)")
            raise
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        # The server failed the trial before answering the suggest: a beat in between meets it failed (409).
        with self.assertNoLogs("sextant_client", "WARNING"), _answer_held_until_the_beats_end(study, heartbeat, "suggest"):
            with self.assertRaises(sextant_client.SamplerFailedError):
                trial.suggest_float("broken", 0, 1)
        self.assertFalse(heartbeat.is_alive())
        study.close()


class HalfMadeStudyTest(ClientTestCase):
    def test_ask_and_optimize_on_a_study_sextant_create_is_still_making_raise_a_named_error(self):
        # The server's 409 had no code, and the client raised a bare SextantError like any other 409.
        half_made = (409, {"error": {"status": 409, "code": "study_half_made",
                                     "message": 'study "s" is half-made: a "sextant create" is still queuing its trials'}})
        server = _ScriptedServer({
            ("GET", "/api/v1/studies/s"): [(200, {"study": {"name": "s", "directions": ["minimize"]}})],
            ("POST", "/api/v1/studies/s/trials"): [half_made],
        })
        try:
            study = sextant_client.load_study(server.url, "s", heartbeat_interval=None)
            with self.assertRaises(sextant_client.HalfMadeStudyError) as asked:
                study.ask()
            self.assertIsInstance(asked.exception, SextantError)
            self.assertEqual((asked.exception.status, asked.exception.code), (409, "study_half_made"))
            self.assertNotIsInstance(asked.exception, sextant_client.TrialBudgetSpentError)
            # Not a budget spent: optimize does not stop quietly as if every trial had run.
            with self.assertRaises(sextant_client.HalfMadeStudyError):
                study.optimize(lambda trial: self.fail("no trial is handed out"), n_trials=1)
            study.close()
        finally:
            server.close()


class NonFiniteValueErrorTest(ClientTestCase):
    def test_a_nan_or_infinity_where_a_finite_number_goes_raises_the_public_non_finite_value_error(self):
        # It was the private _NonFiniteError: a caller could catch it only as any ValueError, or by a name it must not import.
        self.assertIn("NonFiniteValueError", sextant_client.__all__)
        self.assertTrue(issubclass(sextant_client.NonFiniteValueError, ValueError))
        study = sextant_client.create_study(URL, unique("nonfinite-error"), sampler="random", heartbeat_interval=None)
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        for call, message in (
            (lambda: trial.suggest_float("y", float("nan"), 1.0), "suggest_float('y'): low must be finite, got nan"),
            (lambda: trial.suggest_int("n", 0, float("inf")), "suggest_int('n'): high must be finite, got inf"),
            (lambda: trial.suggest_categorical("c", [1.0, float("-inf")]), "suggest_categorical('c'): choices must be finite, got -inf"),
            (lambda: trial.report(1.0, float("nan")), "report: step must be finite, got nan"),
            (lambda: study.tell(trial, state=TrialState.PRUNED, constraints=[float("inf")]), "a pruned trial's constraints: tell: constraints[0] must be finite, got inf"),
        ):
            with self.assertRaises(sextant_client.NonFiniteValueError) as raised:
                call()
            self.assertIn(message, str(raised.exception))
        self.assertEqual(study.tell(trial, state=TrialState.PRUNED).state, TrialState.PRUNED)


class NonFiniteAttributeTest(ClientTestCase):
    def test_nan_and_infinities_in_user_attributes_round_trip_and_a_string_infinity_stays_a_string(self):
        # They came back as None (JSON.stringify's null), and set_user_attr refused them where Optuna keeps them.
        attrs = {"loss": float("inf"), "floor": float("-inf"), "grad": float("nan"), "text": "Infinity",
                 "curve": [1.5, float("nan"), {"peak": float("inf")}],
                 "shaped": {"$sextant:number": "Infinity"}, "deeper": {"$$sextant:number": "NaN"}}
        study = sextant_client.create_study(URL, unique("nonfinite"), "minimize", user_attrs={"baseline": float("-inf"), "note": "NaN"})
        trial = study.ask()
        for key, value in attrs.items():
            trial.set_user_attr(key, value)

        def check(read):
            self.assertEqual(read["loss"], math.inf)
            self.assertEqual(read["floor"], -math.inf)
            self.assertTrue(math.isnan(read["grad"]))
            self.assertEqual(read["text"], "Infinity")
            self.assertEqual(read["curve"][0], 1.5)
            self.assertTrue(math.isnan(read["curve"][1]))
            self.assertEqual(read["curve"][2], {"peak": math.inf})
            # Objects of the tag's shape are the user's own: they come back as they were, not as numbers.
            self.assertEqual(read["shaped"], {"$sextant:number": "Infinity"})
            self.assertEqual(read["deeper"], {"$$sextant:number": "NaN"})

        check(trial.user_attrs)
        frozen = study.tell(trial, 1.0)
        check(frozen.user_attrs)
        check([t for t in study.trials if t.number == trial.number][0].user_attrs)
        # On the wire, the numbers travel as tags and the user's tag-shaped objects with one "$" more.
        wire = _wire(study, "/trials/%d" % trial.number)["trial"]["userAttrs"]
        self.assertEqual(wire["loss"], {"$sextant:number": "Infinity"})
        self.assertEqual(wire["grad"], {"$sextant:number": "NaN"})
        self.assertEqual(wire["text"], "Infinity")
        self.assertEqual(wire["shaped"], {"$$sextant:number": "Infinity"})
        self.assertEqual(wire["deeper"], {"$$$sextant:number": "NaN"})
        self.assertEqual(_wire(study)["study"]["userAttrs"], {"baseline": {"$sextant:number": "-Infinity"}, "note": "NaN"})

    def test_a_study_gives_back_its_user_attributes_as_create_study_took_them(self):
        # Study had no user_attrs (Optuna's study.user_attrs), and list_studies gave NaN as the wire's tag.
        attrs = {"baseline": float("-inf"), "note": "NaN", "dataset": "mnist", "grid": [1, float("nan")]}
        study = sextant_client.create_study(URL, unique("studyattrs"), user_attrs=attrs)

        def check(read):
            self.assertEqual(read["baseline"], -math.inf)
            self.assertEqual((read["note"], read["dataset"], read["grid"][0]), ("NaN", "mnist", 1))
            self.assertTrue(math.isnan(read["grid"][1]))

        check(study.user_attrs)
        check(sextant_client.load_study(URL, study.study_name).user_attrs)
        check([s for s in sextant_client.list_studies(URL) if s["name"] == study.study_name][0]["userAttrs"])


    def test_list_studies_gives_a_best_value_of_minus_infinity_as_a_float(self):
        # The server sends it by name, as trial values: JSON turned the number into null, read as "no result".
        # Written through the storage: the HTTP API refuses a non-finite value, an older study may hold one.
        name = unique("bestinf")
        on_server_storage(self, "const study = await storage.createStudy(process.argv[3], ['minimize']);"
                          " for (const value of [3, -Infinity]) { const t = await storage.createTrial(study.id, { state: 'running' });"
                          " await storage.updateTrial(t.id, { state: 'complete', values: [value] }); }", name)
        listed = [s for s in sextant_client.list_studies(URL) if s["name"] == name][0]
        self.assertEqual(listed["bestValue"], -math.inf)


class HeartbeatTest(ClientTestCase):
    def test_a_heartbeat_interval_over_half_the_servers_grace_is_refused_before_a_trial_starts(self):
        # Beats every 70 s against the grace of 60 s: each trial longer than a minute was failed while
        # it ran (and run again elsewhere), its result dropped with a warning.
        name = unique("slowbeat")
        study = sextant_client.create_study(URL, name, heartbeat_interval=70)
        with self.assertRaises(ValueError) as refused:
            study.optimize(lambda trial: 1.0, n_trials=1)
        self.assertIn("heartbeat_interval=70 s is more than half the server's heartbeat grace (60 s)", str(refused.exception))
        self.assertIn("beat at most every 30 s", str(refused.exception))
        with self.assertRaises(ValueError):
            sextant_client.load_study(URL, name, heartbeat_interval=31).ask()
        self.assertEqual(study.trials, [])
        # Half the grace, or no beats at all, is fine.
        for interval, number in ((30, 0), (None, 1)):
            with sextant_client.load_study(URL, name, heartbeat_interval=interval) as fine:
                self.assertEqual(fine.ask().number, number)

    def test_a_heartbeat_interval_over_half_the_grace_of_the_studys_workers_is_refused(self):
        # sextant worker processes on the study fail a silent trial after its stored grace of 8 s, an
        # HTTP client's too; the client checked its 5 s beats against the server's 60 s alone.
        name = sextant_create(self, "shortgrace", "--param", "x=float:0:1", "--heartbeat-interval", "2",
                              "--heartbeat-grace", "8", "--trials", "2", "--sampler", "random")
        study = sextant_client.load_study(URL, name)
        with self.assertRaises(ValueError) as refused:
            study.ask()
        self.assertIn("ask: heartbeat_interval=5 s is more than half the heartbeat grace of study %r (8 s, stored by "
                      "sextant create --heartbeat-grace): its sextant worker processes fail a trial" % name, str(refused.exception))
        self.assertIn("beat at most every 4 s", str(refused.exception))
        self.assertEqual([t.state for t in study.trials], [TrialState.WAITING] * 2)
        with sextant_client.load_study(URL, name, heartbeat_interval=4) as fine:
            self.assertEqual(fine.ask().number, 0)

    def test_an_asked_trial_records_its_beat_interval_so_that_no_reaper_fails_it_sooner(self):
        # A second server with a shorter grace, or a worker, failed a trial beating every 20 s under a 60 s grace.
        with sextant_client.create_study(URL, unique("beatrecord"), heartbeat_interval=20) as study:
            trial = study.ask()
            recorded = _wire(study, "/trials/%d" % trial.number)["trial"]["systemAttrs"]["heartbeat"]
            self.assertEqual(recorded["intervalSeconds"], 20)
            self.assertGreaterEqual(recorded["graceSeconds"], 40)
            study.tell(trial, 1.0)

    def test_a_server_that_does_not_record_the_beat_interval_is_asked_without_it(self):
        # An older server refuses the unknown field before it makes a trial: asked again without it, once.
        # Its 400 is worded as a real server words one for a field it does not know ("body.F: unknown
        # field ..."): made up by hand as 'unknown field ...', it passed while a real one was raised.
        with sextant_client.create_study(URL, unique("older"), heartbeat_interval=None) as current:
            with self.assertRaises(sextant_client.SextantError) as refused:
                current._connection.request("POST", current._path("/trials"), {"heartbeatIntervalSecondsOfLater": 1}, fresh=True)
        error = refused.exception
        self.assertEqual([error.status, error.field], [400, "body.heartbeatIntervalSecondsOfLater"])
        older = (400, {"error": {"status": 400, "field": "body.heartbeatIntervalSeconds",
                                 "message": error.message.replace("heartbeatIntervalSecondsOfLater", "heartbeatIntervalSeconds")}})
        running = {"number": 0, "state": "running", "params": {}, "distributions": {}, "values": None, "intermediate": {},
                   "userAttrs": {}, "systemAttrs": {}, "startedAt": 0, "finishedAt": None}
        server = _ScriptedServer({
            ("GET", "/api/v1/studies/s"): [(200, {"study": {"name": "s", "directions": ["minimize"]}})],
            ("GET", "/api/v1/health"): [(200, {"status": "ok", "version": "0", "heartbeatGraceSeconds": 600})],
            ("POST", "/api/v1/studies/s/trials"): [older, (201, {"trial": running})],
        })
        try:
            study = sextant_client.load_study(server.url, "s", heartbeat_interval=60)
            self.assertEqual(study.ask().number, 0)
            self.assertEqual(server.count("POST", "/api/v1/studies/s/trials"), 2)
            study.ask()
            self.assertEqual(server.count("POST", "/api/v1/studies/s/trials"), 3)
            study.close()
        finally:
            server.close()

    def test_a_heartbeat_interval_that_is_no_positive_number_is_refused(self):
        # -1 and NaN beat without pause (about 800 requests a second per trial); "5" killed the thread at its first wait.
        name = unique("badbeat")
        for interval, kind in ((-1, ValueError), (float("nan"), ValueError), ("5", TypeError), (True, TypeError)):
            for call in (lambda: sextant_client.create_study(URL, name, heartbeat_interval=interval),
                         lambda: sextant_client.load_study(URL, name, heartbeat_interval=interval)):
                with self.assertRaisesRegex(kind, "heartbeat_interval"):
                    call()
        self.assertNotIn(name, [s["name"] for s in sextant_client.list_studies(URL)])
        # 0 and None: no heartbeats, as before.
        for interval in (0, None):
            with sextant_client.create_study(URL, name, heartbeat_interval=interval, load_if_exists=True) as study:
                study.ask()
                self.assertEqual(study._heartbeats, {})

    def test_a_running_trial_beats_from_a_thread_until_it_is_told(self):
        study = sextant_client.create_study(URL, unique("beat"), sampler="random", heartbeat_interval=0.2)
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        deadline = time.monotonic() + 60
        # The objective blocks this thread; the beats come from the heartbeat thread all the same.
        while heartbeat.beats < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertGreaterEqual(heartbeat.beats, 2)
        study.tell(trial, 1.0)
        heartbeat.join(30)
        self.assertFalse(heartbeat.is_alive())
        self.assertEqual(study._heartbeats, {})
        quiet = sextant_client.load_study(URL, study.study_name, heartbeat_interval=None)
        quiet.tell(quiet.ask(), 2.0)
        self.assertEqual(quiet._heartbeats, {})

    def _wait_for_beats(self, heartbeat, count, counter="beats"):
        """Waits until the heartbeat's `counter` ("beats", or "refused_beats") reaches `count`."""
        deadline = time.monotonic() + 60
        while getattr(heartbeat, counter) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(getattr(heartbeat, counter), count)

    def test_a_trial_keeps_beating_until_its_tell_is_stored(self):
        # The beats used to stop before the tell was sent: a tell refused (400) or lost on the way
        # left a trial this client still owned without beats, for the server to reap as failed.
        study = sextant_client.create_study(URL, unique("beat-tell"), sampler="random", heartbeat_interval=0.1)
        study.tell(study.ask(), 1.0, constraints=[-1.0])  # the study's trials now have one constraint each
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        with self.assertRaises(SextantError) as refused:
            study.tell(trial, 2.0, constraints=[1.0, 2.0])
        self.assertEqual(refused.exception.status, 400)
        self.assertTrue(heartbeat.is_alive())
        self._wait_for_beats(heartbeat, heartbeat.beats + 2)
        self.assertEqual(study.tell(trial, 2.0, constraints=[-2.0]).state, TrialState.COMPLETE)
        heartbeat.join(30)
        self.assertFalse(heartbeat.is_alive())
        self.assertEqual(study._heartbeats, {})
        # Finished elsewhere (409): nothing is left to keep alive.
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        sextant_client.load_study(URL, study.study_name, heartbeat_interval=None).tell(trial.number, state=TrialState.FAIL)
        with self.assertRaises(SextantError) as finished:
            study.tell(trial, 3.0, constraints=[-1.0])
        self.assertEqual(finished.exception.status, 409)
        self.assertEqual(study._heartbeats, {})
        heartbeat.join(30)
        self.assertFalse(heartbeat.is_alive())
        # optimize's tell refused for what constraints_func returned: the trial fails with the
        # reason, and its beats stop with it.
        study.optimize(lambda trial: 1.0, n_trials=1, constraints_func=lambda trial: [1.0, 2.0])
        self.assertEqual(study._heartbeats, {})
        self.assertEqual(study.trials[-1].state, TrialState.FAIL)

    def test_a_heartbeat_refused_for_its_token_warns_once_and_keeps_beating(self):
        # A server restarted with another token answers each beat 401: the beats went on failing
        # without a word, the server failed the trial after its grace, and the user learnt it only
        # at the tell.
        if not os.environ.get("SEXTANT_TOKEN"):
            self.skipTest("the server runs without a token")
        study = sextant_client.create_study(URL, unique("beat-401"), sampler="random", heartbeat_interval=0.05)
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        self._wait_for_beats(heartbeat, 1)
        token = study._connection._token
        with self.assertLogs("sextant_client", "WARNING") as logged:
            study._connection._token = "a-token-the-server-refuses"
            self._wait_for_beats(heartbeat, 3, "refused_beats")
            study._connection._token = token
        (warning,) = [record.getMessage() for record in logged.records]
        self.assertIn("trial %d of study %r: the server at %s refused its heartbeat with HTTP 401" % (trial.number, study.study_name, URL), warning)
        self.assertIn("missing or wrong token", warning)
        self.assertIn("token=", warning)
        # Refused is not gone: the beats go on, and get through again once the token is right.
        self.assertTrue(heartbeat.is_alive())
        self._wait_for_beats(heartbeat, heartbeat.beats + 2)
        self.assertEqual(study.tell(trial, 1.0).state, TrialState.COMPLETE)
        heartbeat.join(30)
        self.assertFalse(heartbeat.is_alive())

    def test_a_heartbeat_forbidden_by_a_server_that_takes_no_writes_warns_once_with_its_reason(self):
        forbidden = (403, {"error": {"status": 403, "message": "the storage is read-only: this server can only read its "
                                     "storage, so it shows studies but takes no writes"}})
        running = {"number": 0, "id": "t0", "state": "running", "params": {}, "distributions": {}, "values": None,
                   "intermediate": {}, "userAttrs": {}, "systemAttrs": {}, "startedAt": 0, "finishedAt": None}
        server = _ScriptedServer({
            ("GET", "/api/v1/studies/s"): [(200, {"study": {"name": "s", "directions": ["minimize"]}})],
            ("GET", "/api/v1/health"): [(200, {"status": "ok", "version": "0", "heartbeatGraceSeconds": 600})],
            ("POST", "/api/v1/studies/s/trials"): [(201, {"trial": running})],
            ("POST", "/api/v1/studies/s/trials/0/heartbeat"): [forbidden],
        })
        try:
            study = sextant_client.load_study(server.url, "s", heartbeat_interval=0.05)
            with self.assertLogs("sextant_client", "WARNING") as logged:
                heartbeat = study._heartbeats[study.ask().number]
                self._wait_for_beats(heartbeat, 3, "refused_beats")
            (warning,) = [record.getMessage() for record in logged.records]
            self.assertIn("trial 0 of study 's': the server at %s refused its heartbeat with HTTP 403 (the storage is read-only" % server.url, warning)
            self.assertTrue(heartbeat.is_alive())
            study.close()
            heartbeat.join(30)
        finally:
            server.close()

    def test_a_heartbeat_that_finds_its_trial_finished_elsewhere_or_gone_warns_once(self):
        # The beats stopped without a word: an objective ran on, maybe for hours, for a result the
        # server would not take, and the user learnt it only at the tell.
        study = sextant_client.create_study(URL, unique("beat-elsewhere"), sampler="random", heartbeat_interval=0.05)
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        self._wait_for_beats(heartbeat, 1)
        with self.assertLogs("sextant_client", "WARNING") as logged:
            sextant_client.load_study(URL, study.study_name, heartbeat_interval=None).tell(trial.number, state=TrialState.FAIL)
            heartbeat.join(30)
        self.assertFalse(heartbeat.is_alive())
        (warning,) = [record.getMessage() for record in logged.records]
        self.assertIn("trial %d of study %r: the server at %s answered its heartbeat with HTTP 409 (trial %d"
                      % (trial.number, study.study_name, URL, trial.number), warning)
        self.assertIn("finished elsewhere", warning)
        self.assertIn("will not take the result of its objective", warning)
        with self.assertRaises(SextantError) as finished:
            study.tell(trial, 1.0)
        self.assertEqual(finished.exception.status, 409)
        # Its study deleted: 404.
        trial = study.ask()
        heartbeat = study._heartbeats[trial.number]
        self._wait_for_beats(heartbeat, 1)
        with self.assertLogs("sextant_client", "WARNING") as logged:
            sextant_client.delete_study(URL, study.study_name)
            heartbeat.join(30)
        (warning,) = [record.getMessage() for record in logged.records]
        self.assertIn("trial %d of study %r: the server at %s answered its heartbeat with HTTP 404 (" % (trial.number, study.study_name, URL), warning)
        self.assertIn("was its study deleted?", warning)
        study.close()

    def test_a_trial_finished_by_its_own_client_stops_beating_without_a_warning(self):
        study = sextant_client.create_study(URL, unique("beat-own"), sampler="random", heartbeat_interval=0.05)
        with self.assertNoLogs("sextant_client", "WARNING"):
            # A beat sent while the trial's own tell was stored meets the trial finished (409): the
            # tell's answer says what became of the trial, not the beat.
            trial = study.ask()
            heartbeat = study._heartbeats[trial.number]
            self._wait_for_beats(heartbeat, 1)
            with _answer_held_until_the_beats_end(study, heartbeat, "tell"):
                self.assertEqual(study.tell(trial, 1.0).state, TrialState.COMPLETE)
            self.assertEqual(heartbeat.refused_beats, 0)
            # Told through another object of the study: the beats of the one that asked stop too.
            trial = study.ask()
            heartbeat = study._heartbeats[trial.number]
            self._wait_for_beats(heartbeat, 1)
            sextant_client.load_study(URL, study.study_name, heartbeat_interval=None).tell(trial, 2.0)
            heartbeat.join(30)
            self.assertFalse(heartbeat.is_alive())
            self.assertEqual(study._heartbeats, {})
        study.close()

    def test_a_trial_counts_as_beating_from_its_start_so_a_client_killed_before_its_first_beat_is_reaped(self):
        # The first beat comes one interval (5 s) after the ask. The server reaps only trials marked
        # as beating, so a process killed before then used to leave its trial running forever; the
        # ask now marks it (the server's own test checks the reaping).
        name = unique("early-kill")
        script = textwrap.dedent("""
            import os, signal, sys
            import sextant_client
            study = sextant_client.create_study(sys.argv[1], sys.argv[2], sampler="random")
            study.ask().suggest_float("x", 0, 1)
            os.kill(os.getpid(), signal.SIGKILL)
        """)
        subprocess.run([sys.executable, "-c", script, URL, name], env=dict(os.environ, PYTHONPATH=os.path.dirname(HERE)), timeout=60)
        study = sextant_client.load_study(URL, name, heartbeat_interval=None)
        (killed,) = study.trials
        self.assertEqual(killed.state, TrialState.RUNNING)
        self.assertIs(killed.system_attrs.get("server:heartbeat"), True)
        # A client with heartbeats off never beats: its trial is not marked, so no reaper fails it.
        study.ask()
        self.assertNotIn("server:heartbeat", study.trials[1].system_attrs)


class ThreadConnectionTest(ClientTestCase):
    def test_a_thread_that_ends_leaves_no_socket_open(self):
        # Each thread has its own keep-alive connection; when the thread ends it is dropped without
        # close(), and it must close its socket then rather than leave it to a ResourceWarning.
        study = sextant_client.create_study(URL, unique("threads"), sampler="random")
        study.tell(study.ask(), 1.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read = []
            worker = threading.Thread(target=lambda: read.append(len(study.trials)))
            worker.start()
            worker.join(30)
            gc.collect()
        self.assertEqual(read, [1])
        self.assertEqual([str(w.message) for w in caught if issubclass(w.category, ResourceWarning)], [])
        study.close()


class InterruptTest(ClientTestCase):
    def test_ctrl_c_in_an_objective_fails_its_trial_and_stops_its_heartbeat(self):
        study = sextant_client.create_study(URL, unique("interrupt"), sampler="random", heartbeat_interval=0.2)
        beats = []

        def objective(trial):
            trial.suggest_float("x", 0, 1)
            beats.append(study._heartbeats[trial.number])
            raise KeyboardInterrupt()

        with self.assertRaises(KeyboardInterrupt):
            study.optimize(objective, n_trials=3)
        beats[0].join(30)
        self.assertFalse(beats[0].is_alive())
        trials = study.trials
        self.assertEqual([t.state for t in trials], [TrialState.FAIL])
        self.assertIn("KeyboardInterrupt", trials[0].system_attrs["failReason"])


class SharedStudyTest(ClientTestCase):
    def test_a_declaration_and_a_refresh_from_another_thread_do_not_collide(self):
        # A declaration rebuilt the trial cache while a refresh on another thread added to it:
        # "dictionary changed size during iteration" failed the trial after the server had sampled it.
        name = unique("shared")
        study = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        for _ in range(3):
            study.tell(study.ask(), 1.0)
        study.trials  # three trials cached
        other = sextant_client.load_study(URL, name)
        other.tell(other.ask(), 2.0)  # a fourth, for a refresh to add
        real = sextant_client._client.FrozenTrial
        refresher = []
        errors = []

        def read():
            try:
                study.trials
            except Exception as error:  # noqa: BLE001 - any error here is the failure
                errors.append(error)

        def frozen_trial(data, declared):
            if not refresher:  # the declaration's first rebuilt trial: a refresh runs now, on another thread
                refresher.append(threading.Thread(target=read))
                refresher[0].start()
                refresher[0].join(0.5)
            return real(data, declared)

        with unittest.mock.patch.object(sextant_client._client, "FrozenTrial", frozen_trial):
            study._declare("c", {"type": "categorical", "choices": [1.0, 2.0]})
        refresher[0].join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(study.trials), 4)


class RecreatedStudyTest(ClientTestCase):
    def test_a_trial_of_a_deleted_study_cannot_write_into_the_new_study_of_that_name(self):
        name = unique("recreated")
        old = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        held = old.ask()
        held.suggest_float("x", 0, 1)
        sextant_client.delete_study(URL, name)
        new = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        theirs = new.ask()
        self.assertEqual(theirs.number, held.number)
        # The old client's result, worked out for its own x, was stored against the new trial's x.
        with self.assertRaises(SextantError) as caught:
            old.tell(held, 123.0)
        self.assertEqual(caught.exception.status, 409)
        with self.assertRaises(SextantError):
            held.report(1.0, 0)
        theirs.suggest_float("x", 0, 1)
        self.assertEqual(new.tell(theirs, 1.0).values, [1.0])

    def test_a_trial_told_through_the_study_loaded_again_cannot_write_into_the_new_study_either(self):
        # Told through another object of the study, the tell carried no trialId and landed on the new study's trial.
        name = unique("reloaded")
        old = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        held = old.ask()
        sextant_client.delete_study(URL, name)
        new = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        theirs = new.ask()
        self.assertEqual(theirs.number, held.number)
        again = sextant_client.load_study(URL, name, heartbeat_interval=None)
        with self.assertRaises(SextantError) as caught:
            again.tell(held, 123.0)
        self.assertEqual((caught.exception.status, caught.exception.field), (409, "query.trialId"))
        self.assertEqual([(t.state, t.values) for t in again.trials], [(TrialState.RUNNING, None)])
        self.assertEqual(again.tell(theirs, 1.0).values, [1.0])

    def test_a_study_object_reads_a_re_created_study_from_the_start(self):
        # It went on from the deleted study's seq: its trials beside the new one's, as one study.
        name = unique("reread")
        old = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        for value in (100.0, 101.0, 102.0):
            old.tell(old.ask(), value)
        self.assertEqual([t.values for t in old.trials], [[100.0], [101.0], [102.0]])
        sextant_client.delete_study(URL, name)
        new = sextant_client.create_study(URL, name, sampler="random", heartbeat_interval=None)
        new.tell(new.ask(), 1.0)
        self.assertEqual([t.values for t in old.trials], [[1.0]])
        self.assertEqual(old.best_value, 1.0)


@contextlib.contextmanager
def _answers_lost(lost):
    """Within the block, the answer to the first request `lost(method, url)` picks is read and then lost, as by a
    connection that breaks after the server acted; `rearm()` (what the block gets) loses the next such answer too."""
    cls = sextant_client._client._ClosingHTTPConnection
    real_request, real_getresponse = cls.request, cls.getresponse
    state = {"last": None, "dropped": 0}

    def request(self, method, url, *args, **kwargs):
        state["last"] = (method, url)
        return real_request(self, method, url, *args, **kwargs)

    def getresponse(self):
        response = real_getresponse(self)
        if lost(*state["last"]) and state["dropped"] == 0:
            state["dropped"] += 1
            response.read()
            raise http.client.RemoteDisconnected("the answer was lost after the server acted")
        return response

    with unittest.mock.patch.object(cls, "request", request), unittest.mock.patch.object(cls, "getresponse", getresponse):
        yield lambda: state.update(dropped=0)


class LostAnswerTest(ClientTestCase):
    def test_an_ask_whose_answer_is_lost_is_not_sent_again(self):
        # Re-sent on a kept-alive connection as if it had never arrived, the ask started a second
        # trial and left the first running (for good without heartbeats).
        study = sextant_client.create_study(URL, unique("lost"), sampler="random", heartbeat_interval=None)
        study.trials  # a kept-alive connection on this thread
        with _answers_lost(lambda method, url: method == "POST" and url.endswith("/trials")):
            with self.assertRaises(ServerUnreachableError):
                study.ask()
        self.assertEqual([t.state for t in study.trials], [TrialState.RUNNING])

    def test_a_tell_whose_answer_is_lost_after_it_was_stored_is_not_taken_for_another_clients(self):
        # Sent again, as a tell is safe to repeat, it met the 409 of a trial no longer running: a direct
        # tell raised, and optimize warned that the trial "was finished elsewhere" and its result dropped,
        # though the result stored was this client's own.
        study = sextant_client.create_study(URL, unique("lost-tell"), sampler="random", heartbeat_interval=None)
        told = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with _answers_lost(lambda method, url: method == "POST" and "/tell" in url) as rearm:
                trial = study.ask()  # its connection, kept alive, carries the tell, which is sent again once
                told.append(study.tell(trial, 1.5, constraints=[-1.0]))
                rearm()
                trial = study.ask()
                told.append(study.tell(trial, state=TrialState.PRUNED))
                rearm()
                study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, constraints_func=lambda t: [-1.0])
                rearm()
                with self.assertRaises(ZeroDivisionError):
                    study.optimize(lambda t: 1 / 0, n_trials=1)
        self.assertEqual([w.message for w in caught if "finished elsewhere" in str(w.message)], [])
        self.assertEqual([(t.number, t.state, t.values, t.constraints) for t in told], [(0, TrialState.COMPLETE, [1.5], [-1.0]), (1, TrialState.PRUNED, None, None)])
        trials = study.trials
        self.assertEqual([t.state for t in trials], [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE, TrialState.FAIL])
        self.assertEqual(trials[3].system_attrs["failReason"], "ZeroDivisionError: division by zero")

    def test_a_tell_sent_again_still_raises_for_a_trial_another_client_finished_otherwise(self):
        study = sextant_client.create_study(URL, unique("told-elsewhere"), sampler="random", heartbeat_interval=None)
        trial = study.ask()
        other = sextant_client.load_study(URL, study.study_name, heartbeat_interval=None)
        other.tell(trial.number, 2.0)
        for values, state in ((1.0, None), (None, TrialState.PRUNED)):
            with self.assertRaises(SextantError) as caught:
                study.tell(trial, values, state=state)
            self.assertEqual((caught.exception.status, caught.exception.field), (409, "path.number"))

    def test_ctrl_c_does_not_wait_out_a_restart_window_to_fail_its_trial(self):
        study = sextant_client.create_study(URL, unique("ctrlc"), sampler="random", heartbeat_interval=None)
        calls = []
        real = study._connection.request

        def request(method, path, body=None, query=None, retry=True, **kwargs):
            if path.endswith("/tell"):
                calls.append(retry)
                raise ServerUnreachableError("the server is down")
            return real(method, path, body, query, retry=retry, **kwargs)

        def objective(trial):
            trial.suggest_float("x", 0, 1)
            raise KeyboardInterrupt()

        with unittest.mock.patch.object(study._connection, "request", request):
            with self.assertRaises(KeyboardInterrupt):
                study.optimize(objective, n_trials=1)
        # With retry, the fail waited the client's whole retry_timeout (60 s) before Ctrl-C came back.
        self.assertEqual(calls, [False])


class _Relay:
    """A TCP relay to the server on a port of its own, which can go away and come back as a restarting server does."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self._target = (parsed.hostname, parsed.port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = "http://127.0.0.1:%d" % self.port
        self._listener = None
        self._open = []

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        """Drops every connection and refuses new ones."""
        if self._listener is None:
            return
        for sock in [self._listener] + self._open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._listener, self._open = None, []

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._target)
            self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class ServerRestartTest(ClientTestCase):
    def test_a_trial_finished_while_the_server_is_down_is_told_once_it_is_back(self):
        relay = _Relay(URL)
        relay.up()
        try:
            name = unique("restart")
            study = sextant_client.create_study(relay.url, name, sampler="random", heartbeat_interval=None, retry_timeout=60)
            trial = study.ask()
            x = trial.suggest_float("x", 0, 1)
            relay.down()
            threading.Timer(1.0, relay.up).start()
            self.assertEqual(study.tell(trial, x).state, TrialState.COMPLETE)
            self.assertEqual([t.values for t in sextant_client.load_study(URL, name).trials], [[x]])

            impatient = sextant_client.load_study(relay.url, name, heartbeat_interval=None, retry_timeout=0.5)
            relay.down()
            started = time.monotonic()
            with self.assertRaises(ServerUnreachableError) as gone:
                impatient.ask()
            self.assertLess(time.monotonic() - started, 30)
            self.assertIn("the Sextant server at %s stopped answering" % relay.url, str(gone.exception))
            # A server that never answered is a wrong URL or one not started: said at once.
            started = time.monotonic()
            with self.assertRaises(ServerUnreachableError) as never:
                sextant_client.create_study(relay.url, unique("never"))
            self.assertLess(time.monotonic() - started, 10)
            self.assertIn("cannot reach the Sextant server at %s" % relay.url, str(never.exception))
        finally:
            relay.down()


    def test_a_trial_whose_tell_got_no_answer_keeps_beating_and_is_told_once_the_server_is_back(self):
        relay = _Relay(URL)
        relay.up()
        try:
            study = sextant_client.create_study(relay.url, unique("lost-tell"), sampler="random", heartbeat_interval=0.1,
                                                retry_timeout=0.3)
            trial = study.ask()
            heartbeat = study._heartbeats[trial.number]
            relay.down()
            with self.assertRaises(ServerUnreachableError):
                study.tell(trial, 1.0)
            self.assertTrue(heartbeat.is_alive())
            relay.up()
            deadline = time.monotonic() + 60
            beats = heartbeat.beats
            while heartbeat.beats < beats + 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(heartbeat.beats, beats + 2)
            self.assertEqual(study.tell(trial, 1.0).state, TrialState.COMPLETE)
            heartbeat.join(30)
            self.assertFalse(heartbeat.is_alive())
            study.close()
        finally:
            relay.down()


@contextlib.contextmanager
def _answer_held_until_the_beats_end(study, heartbeat, action):
    """Holds back the answer to this thread's `action` requests ("tell", "suggest") of `study` until `heartbeat` has
    ended: a beat sent once that request finished the trial then meets the trial finished before the request's
    answer is read, as a beat in flight at that moment does.
    """
    request = study._connection.request

    def held(method, path, *args, **kwargs):
        try:
            return request(method, path, *args, **kwargs)
        finally:
            if threading.current_thread() is not heartbeat and path.endswith("/" + action):
                heartbeat.join(30)

    with unittest.mock.patch.object(study._connection, "request", held):
        yield


class _ScriptedServer:
    """An HTTP server on a free port that answers each (method, path) with the next of its scripted (status, body) answers.

    The last answer of a script repeats; `requests` lists what came, in order.
    """

    def __init__(self, script):
        import http.server

        self.requests = []
        scripted = {key: list(answers) for key, answers in script.items()}
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                requests.append((self.command, path))
                answers = scripted.get((self.command, path)) or [(404, {"error": {"status": 404, "message": "not scripted"}})]
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                payload = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = answer

            def log_message(self, *args):
                pass

        self._server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def count(self, method, path):
        return self.requests.count((method, path))

    def close(self):
        self._server.shutdown()
        self._server.server_close()


class NoAnswerTest(ClientTestCase):
    def test_a_timeout_or_a_dropped_connection_raises_a_sextant_error_naming_the_url(self):
        # These used to escape as a bare TimeoutError ("timed out") or RemoteDisconnected, naming no URL.
        silent = socket.socket()  # listens, so connections are made, but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        dropping = socket.socket()  # reads the request, then closes without an answer
        dropping.bind(("127.0.0.1", 0))
        dropping.listen(8)

        def drop():
            while True:
                try:
                    connection, _ = dropping.accept()
                except OSError:
                    return
                with connection:
                    connection.recv(65536)

        threading.Thread(target=drop, daemon=True).start()
        try:
            url = "http://127.0.0.1:%d" % silent.getsockname()[1]
            started = time.monotonic()
            with self.assertRaises(ServerTimeoutError) as slow:
                sextant_client.list_studies(url, timeout=0.3)
            self.assertLess(time.monotonic() - started, 10)
            self.assertIsInstance(slow.exception, SextantError)
            self.assertIsInstance(slow.exception, TimeoutError)  # what code catching the bare error caught
            self.assertIsNone(slow.exception.status)
            self.assertIn("GET %s/api/v1/studies: no answer from the Sextant server within 0.3 s" % url, str(slow.exception))

            url = "http://127.0.0.1:%d" % dropping.getsockname()[1]
            with self.assertRaises(ServerUnreachableError) as dropped:
                sextant_client.create_study(url, "s")
            self.assertIsInstance(dropped.exception, SextantError)
            self.assertIsInstance(dropped.exception, ConnectionError)
            self.assertIn("POST %s/api/v1/studies: no answer from the Sextant server: RemoteDisconnected" % url, str(dropped.exception))
        finally:
            for listener in (dropping, silent):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept()
                listener.close()
        # A refused connection (nothing listens) is a SextantError as well.
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d" % closed.getsockname()[1]
        closed.close()
        with self.assertRaises(SextantError) as refused:
            sextant_client.list_studies(url)
        self.assertIsInstance(refused.exception, ServerUnreachableError)
        self.assertIn("cannot reach the Sextant server at %s" % url, str(refused.exception))

    def test_errors_name_the_api_path_once_when_given_the_api_url(self):
        # Given the "API at http://h:p/api/v1" that `sextant serve` prints, messages said "GET http://h:p/api/v1/api/v1/studies".
        silent = socket.socket()  # listens, so connections are made, but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = "http://127.0.0.1:%d" % silent.getsockname()[1]
        try:
            for given in (url + "/api/v1", url + "/api/v1/"):
                with self.assertRaises(ServerTimeoutError) as slow:
                    sextant_client.list_studies(given, timeout=0.3)
                self.assertIn("GET %s/api/v1/studies: no answer from the Sextant server within 0.3 s" % url, str(slow.exception))
                self.assertNotIn("/api/v1/api/v1", str(slow.exception))
        finally:
            silent.close()
        # Nothing listens there now: refused.
        with self.assertRaises(ServerUnreachableError) as refused:
            sextant_client.list_studies(url + "/api/v1")
        self.assertIn("cannot reach the Sextant server at %s: " % url, str(refused.exception))

    def test_a_503_is_retried_for_requests_safe_to_repeat_and_never_for_ask(self):
        busy = (503, {"error": {"status": 503, "message": "the storage is busy; retry later"}})
        running = {"number": 0, "state": "running", "params": {}, "distributions": {}, "values": None, "intermediate": {},
                   "userAttrs": {}, "systemAttrs": {}, "startedAt": 0, "finishedAt": None}
        server = _ScriptedServer({
            ("GET", "/api/v1/studies/s"): [busy, busy, (200, {"study": {"name": "s", "directions": ["minimize"]}})],
            ("POST", "/api/v1/studies/s/trials"): [busy, (201, {"trial": running})],
            ("POST", "/api/v1/studies/s/trials/0/tell"): [busy, (200, {"trial": dict(running, state="complete", values=[1.0])})],
            ("GET", "/api/v1/studies"): [busy],
        })
        try:
            with unittest.mock.patch.object(sextant_client._client._Connection, "_BUSY_RETRY_DELAYS", (0.01, 0.02, 0.04)):
                with self.assertLogs("sextant_client", level="WARNING") as logs:
                    study = sextant_client.load_study(server.url, "s", heartbeat_interval=None)
                self.assertEqual(server.count("GET", "/api/v1/studies/s"), 3)
                self.assertIn("answered GET /studies/s with HTTP 503 (the storage is busy; retry later); retrying in 0.01 s", logs.output[0])
                # An ask the server may have acted on before its 503 is not sent again: it could start two trials.
                with self.assertRaises(SextantError) as ask:
                    study.ask()
                self.assertEqual((ask.exception.status, server.count("POST", "/api/v1/studies/s/trials")), (503, 1))
                trial = study.ask()
                # A tell is: a busy storage stored nothing, and a repeat can only be answered 409.
                self.assertEqual(study.tell(trial, 1.0).state, TrialState.COMPLETE)
                self.assertEqual(server.count("POST", "/api/v1/studies/s/trials/0/tell"), 2)
                # Bounded: the first try and one per delay, then the 503 is raised.
                with self.assertRaises(SextantError) as listing:
                    sextant_client.list_studies(server.url)
                self.assertEqual((listing.exception.status, server.count("GET", "/api/v1/studies")), (503, 4))
            study.close()
        finally:
            server.close()


class ProxyRestartTest(ClientTestCase):
    def test_a_proxys_502_503_or_504_while_the_server_restarts_is_waited_for_as_a_refused_connection_is(self):
        # Behind a proxy (https, an ingress), a restarting server answers 502, 503 or 504 rather than
        # refusing the connection: the tell of a result computed meanwhile raised at once, and optimize stopped.
        running = {"number": 0, "state": "running", "params": {}, "distributions": {}, "values": None, "intermediate": {},
                   "userAttrs": {}, "systemAttrs": {}, "startedAt": 0, "finishedAt": None}
        gateway = (502, {"message": "Bad Gateway"})
        server = _ScriptedServer({
            ("GET", "/api/v1/studies/s"): [(200, {"study": {"name": "s", "directions": ["minimize"]}})],
            ("POST", "/api/v1/studies/s/trials"): [gateway, (201, {"trial": running})],
            ("POST", "/api/v1/studies/s/trials/0/tell"): [gateway, (503, {"message": "no healthy upstream"}), (504, {}),
                                                            (200, {"trial": dict(running, state="complete", values=[1.0])})],
        })
        try:
            study = sextant_client.load_study(server.url, "s", heartbeat_interval=None, retry_timeout=30)
            # An ask is not sent again: the proxy may have passed it on before it failed (two trials).
            with self.assertRaises(SextantError) as ask:
                study.ask()
            self.assertEqual((ask.exception.status, server.count("POST", "/api/v1/studies/s/trials")), (502, 1))
            trial = study.ask()
            with self.assertLogs("sextant_client", level="WARNING") as logs:
                self.assertEqual(study.tell(trial, 1.0).state, TrialState.COMPLETE)
            self.assertEqual(server.count("POST", "/api/v1/studies/s/trials/0/tell"), 4)
            self.assertIn("answered POST /studies/s/trials/0/tell with HTTP 502 from in front of it (Bad Gateway); retrying for up to 30 s",
                          logs.output[0])
            study.close()
        finally:
            server.close()
        # A URL whose answers never came from a Sextant server (a proxy to nothing) is said at once, as before.
        nothing = _ScriptedServer({("GET", "/api/v1/studies/s"): [gateway]})
        try:
            with self.assertRaises(SextantError) as never:
                sextant_client.load_study(nothing.url, "s", retry_timeout=30)
            self.assertEqual((never.exception.status, nothing.count("GET", "/api/v1/studies/s")), (502, 1))
        finally:
            nothing.close()


class NotSextantTest(ClientTestCase):
    def test_an_answer_that_is_not_json_raises_a_sextant_error_naming_the_url_and_the_status(self):
        # Another program on the port, or a proxy's HTML error page: this used to raise a bare
        # JSONDecodeError ("Expecting value: line 1 column 1") naming neither.
        import http.server

        class Html(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = b"<html><body>502 Bad Gateway</body></html>" if self.command == "POST" else b"\xff\xfe binary"
                self.send_response(502 if self.command == "POST" else 200)
                self.send_header("Content-Type", "text/html" if self.command == "POST" else "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Html)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d" % server.server_address[1]
        try:
            with self.assertRaises(SextantError) as proxy:
                sextant_client.create_study(url, "s")
            self.assertEqual(proxy.exception.status, 502)
            self.assertIn("POST /api/v1/studies: the server at %s answered HTTP 502 Bad Gateway with a body that is not JSON "
                          "(Content-Type text/html, beginning '<html><body>502 Bad Gateway</body></html>')" % url, str(proxy.exception))
            with self.assertRaises(SextantError) as binary:
                sextant_client.list_studies(url)
            self.assertEqual(binary.exception.status, 200)
            self.assertIn("is a Sextant server listening there?", str(binary.exception))
        finally:
            server.shutdown()
            server.server_close()


class BadInputTest(ClientTestCase):
    def test_the_server_names_the_field_at_fault(self):
        study = sextant_client.create_study(URL, unique("bad"), sampler="random")
        trial = study.ask()
        with self.assertRaises(SextantError) as reversed_bounds:
            trial.suggest_float("x", 1.0, 0.0)
        self.assertEqual(reversed_bounds.exception.status, 400)
        self.assertIn("distribution", reversed_bounds.exception.field)
        with self.assertRaises(SextantError) as bad_sampler:
            sextant_client.create_study(URL, unique("bad"), sampler="annealing")
        self.assertEqual((bad_sampler.exception.status, bad_sampler.exception.field), (400, "body.sampler"))
        with self.assertRaises(SextantError) as wrong_count:
            study.tell(trial, [1.0, 2.0])
        self.assertEqual(wrong_count.exception.field, "body.values")
        self.assertEqual(study.tell(trial, 1.0).state, TrialState.COMPLETE)

    def test_arguments_json_cannot_carry_are_refused_naming_the_call_the_parameter_and_the_argument(self):
        study = sextant_client.create_study(URL, unique("args"), sampler="random")
        trial = study.ask()
        refused = [
            (lambda: trial.suggest_float("lr", float("nan"), 1.0), ValueError, "suggest_float('lr'): low must be finite, got nan"),
            (lambda: trial.suggest_float("lr", 0.0, float("inf")), ValueError, "suggest_float('lr'): high must be finite, got inf"),
            (lambda: trial.suggest_int("n", "1", 3), TypeError, "suggest_int('n'): low must be a number, got '1'"),
            (lambda: trial.suggest_int("n", 1, 3.5), ValueError, "suggest_int('n'): high must be an integer, got 3.5"),
            (lambda: trial.suggest_categorical("opt", ["sgd", {"name": "adam"}]), TypeError,
             "suggest_categorical('opt'): choices must be None, bool, int, float or str, got {'name': 'adam'} (a dict)"),
            (lambda: trial.set_user_attr("tags", {"a", "b"}), TypeError, "set_user_attr('tags'): the value must be JSON"),
            (lambda: trial.report("0.5", 1), TypeError, "report: value must be a number, got '0.5'"),
            (lambda: study.tell(trial, "0.5"), TypeError, "tell: values: expected a number or a sequence of numbers"),
        ]
        for call, error, message in refused:
            with self.assertRaises(error) as caught:
                call()
            self.assertIn(message, str(caught.exception))
        # Nothing reached the trial, which is still running and takes well-formed calls.
        self.assertEqual(trial.suggest_int("n", 1.0, 3), trial.params["n"])
        self.assertEqual(study.tell(trial, 0.5).params, {"n": trial.params["n"]})

    def test_a_wrong_or_missing_token_gets_401(self):
        if not os.environ.get("SEXTANT_TOKEN"):
            self.skipTest("the server runs without a token")
        with self.assertRaises(SextantError) as wrong:
            sextant_client.list_studies(URL, token="not-the-token")
        self.assertEqual(wrong.exception.status, 401)
        saved = os.environ.pop("SEXTANT_TOKEN")
        try:
            with self.assertRaises(SextantError) as missing:
                sextant_client.list_studies(URL)
            self.assertEqual(missing.exception.status, 401)
        finally:
            os.environ["SEXTANT_TOKEN"] = saved


class _Scalar:
    """A stand-in for a numpy scalar or 0-d array, as the client recognises them: `.item()` and the shape ()."""

    shape = ()

    def __init__(self, value):
        self._value = value

    def item(self):
        return self._value

    def __repr__(self):
        return "_Scalar(%r)" % (self._value,)


class _Vector(_Scalar):
    """A stand-in for a 1-d array: `.item()` (which numpy refuses past one element), a shape and `.tolist()`."""

    def __init__(self, *values):
        super().__init__(list(values))
        self.shape = (len(values),)

    def __iter__(self):
        return iter(self._value)

    def tolist(self):
        return list(self._value)


def _wire(study, suffix=""):
    """The study (or one of its trials) as the server has it, read with a plain request."""
    return study._connection.request("GET", study._path(suffix))


class NumericTypesTest(ClientTestCase):
    """Decimal, Fraction, numpy's scalars and 0-d arrays go wherever a number goes, made plain floats or ints."""

    def test_decimal_and_fraction_go_everywhere_a_number_goes(self):
        D, F = decimal.Decimal, fractions.Fraction
        study = sextant_client.create_study(URL, unique("decimal"), directions=["minimize", "maximize"], sampler="random",
                                            sampler_options={"seed": D("7")}, user_attrs={"budget": F(3, 2), "lr": [D("0.01")]})
        stored = _wire(study)["study"]
        self.assertEqual(stored["userAttrs"], {"budget": 1.5, "lr": [0.01]})
        self.assertEqual(stored["sampler"]["options"], {"seed": 7})
        trial = study.ask({"w": FloatDistribution(D("0.5"), F(3, 2)), "k": IntDistribution(D("2"), F(8), step=D("2"))})
        self.assertEqual(trial.distributions["w"], {"type": "float", "low": 0.5, "high": 1.5})
        self.assertEqual(trial.distributions["k"], {"type": "int", "low": 2, "high": 8, "step": 2})
        x = trial.suggest_float("x", D("-1.5"), F(5, 2), step=F(1, 2))
        self.assertEqual(trial.distributions["x"], {"type": "float", "low": -1.5, "high": 2.5, "step": 0.5})
        self.assertEqual(trial.suggest_float("x", -1.5, 2.5, step=0.5), x)  # the same distribution, written plainly
        n = trial.suggest_int("n", F(2), D("6.0"), step=D(2))
        self.assertIn(n, (2, 4, 6))
        self.assertEqual(type(n), int)
        self.assertIn(trial.suggest_categorical("c", [D("0.25"), F(1, 2)]), (0.25, 0.5))
        self.assertEqual(trial.distributions["c"]["choices"], [0.25, 0.5])
        trial.report(D("0.75"), F(0))
        trial.report(F(1, 4), D("1"))
        trial.set_user_attr("noted", {"base": D("0.01"), "ratios": (F(1, 3),)})
        frozen = study.tell(trial, [D("1.5"), F(1, 4)], constraints=[F(-1, 2)])
        self.assertEqual(frozen.values, [1.5, 0.25])
        self.assertEqual(frozen.constraints, [-0.5])
        self.assertEqual(frozen.intermediate_values, {0: 0.75, 1: 0.25})
        self.assertEqual(frozen.user_attrs, {"noted": {"base": 0.01, "ratios": [1 / 3]}})

        single = sextant_client.create_study(URL, unique("decimal-one"), sampler="random")
        single.optimize(lambda trial: D(str(trial.suggest_float("x", 0, 1))), n_trials=2)
        single.optimize(lambda trial: F(1, 8), n_trials=1)
        self.assertEqual([t.state for t in single.trials], [TrialState.COMPLETE] * 3)
        self.assertEqual(single.trials[2].values, [0.125])
        self.assertEqual(single.trials[0].values, [single.trials[0].params["x"]])
        # NaN and infinity keep the floats' behaviour: a failed trial (with a warning from tell), as in Optuna.
        single.optimize(lambda trial: D("NaN"), n_trials=1)
        self.assertEqual(single.trials[3].state, TrialState.FAIL)
        self.assertIn("values must be finite, got Decimal('NaN')", single.trials[3].system_attrs["failReason"])
        open_trial = single.ask()
        refused = [
            (lambda: open_trial.report(F(1, 2), D("1.5")), ValueError, "report: step must be an integer, got Decimal('1.5')"),
            (lambda: open_trial.report(0.5, 2.5), ValueError, "report: step must be an integer, got 2.5"),
            (lambda: open_trial.suggest_int("m", D("0.5"), 3), ValueError, "suggest_int('m'): low must be an integer, got Decimal('0.5')"),
            (lambda: open_trial.suggest_float("y", 0, D("-Infinity")), ValueError, "suggest_float('y'): high must be finite"),
            # Stored as 2**53 without a word: the server keeps JSON numbers as doubles.
            (lambda: open_trial.set_user_attr("id", 2 ** 53 + 1), ValueError,
             "value: 9007199254740993 is beyond the integers a JSON number keeps exactly (up to 2**53 - 1 either way); send it as a string, str(value)"),
        ]
        for call, error, message in refused:
            with self.assertRaises(error) as caught:
                call()
            self.assertIn(message, str(caught.exception))
        self.assertEqual(_wire(single, "/trials/%d" % open_trial.number)["trial"]["intermediate"], {})
        self.assertEqual(single.tell(open_trial, D("0.5")).values, [0.5])
        # It raised, and the trial stayed running; Optuna fails it and warns.
        for bad, reason in ((D("Infinity"), "tell: values must be finite, got Decimal('Infinity')"), ([D("sNaN")], "tell: values[0] must be finite, got Decimal('sNaN')")):
            other = single.ask()
            with self.assertWarns(UserWarning):
                failed = single.tell(other, bad)
            self.assertEqual(failed.state, TrialState.FAIL)
            self.assertIn(reason, failed.system_attrs["failReason"])

    def test_sequences_where_a_number_goes_are_refused_naming_the_field_and_their_length(self):
        study = sextant_client.create_study(URL, unique("shapes"), sampler="random")
        trial = study.ask()
        refused = [
            (lambda: trial.report(_Vector(0.1, 0.2), 0), "report: value must be a number, but a sequence of length 2 was given"),
            (lambda: trial.report([0.1], 0), "report: value must be a number, but a sequence of length 1 was given"),
            (lambda: trial.report(0.1, _Vector(1, 2, 3)), "report: step must be a number, but a sequence of length 3 was given"),
            (lambda: trial.suggest_float("x", _Vector(0.0), 1), "suggest_float('x'): low must be a number, but a sequence of length 1 was given"),
            (lambda: trial.suggest_int("n", 0, (1, 2)), "suggest_int('n'): high must be a number, but a sequence of length 2 was given"),
            (lambda: study.tell(trial, [_Vector(1.0, 2.0)]), "tell: values[0] must be a number, but a sequence of length 2 was given"),
            (lambda: study.tell(trial, [1.0, "2"]), "tell: values[1] must be a number, got '2'"),
            (lambda: study.tell(trial, _Scalar("1")), "tell: values: expected a number or a sequence of numbers"),
            (lambda: study.tell(trial, _Scalar(True)), "tell: values: expected a number or a sequence of numbers"),
            (lambda: study.ask({"w": FloatDistribution(0, _Vector(1.0, 2.0))}),
             "ask: fixed_distributions['w']: high must be a number, but a sequence of length 2 was given"),
            (lambda: study.ask({"c": CategoricalDistribution(["a", {"b"}])}),
             "ask: fixed_distributions['c']: choices[1] must be None, bool, int, float or str, got {'b'} (a set)"),
            (lambda: trial.set_user_attr("tags", {"a": [{1, 2}]}),
             "set_user_attr('tags'): the value must be JSON (NaN and infinities included): value['a'][0]: JSON has no form for {1, 2} (a set)"),
            (lambda: sextant_client.create_study(URL, unique("shapes"), user_attrs={"when": object}),
             "create_study: user_attrs['when']: JSON has no form for <class 'object'> (a type)"),
        ]
        for call, message in refused:
            with self.assertRaises(TypeError) as caught:
                call()
            self.assertIn(message, str(caught.exception))
        # Nothing reached the server: one trial, still running, with nothing reported.
        self.assertEqual([(t.state, t.intermediate_values, t.user_attrs) for t in study.trials], [(TrialState.RUNNING, {}, {})])
        # The stand-ins are read as numpy's would be: a 0-d one as its number, a 1-d one as a sequence (or a list in JSON).
        trial.report(_Scalar(0.5), _Scalar(3))
        trial.set_user_attr("folds", _Vector(0.25, _Scalar(0.5)))
        frozen = study.tell(trial, _Vector(_Scalar(2.0)))
        self.assertEqual((frozen.values, frozen.intermediate_values, frozen.user_attrs), ([2.0], {3: 0.5}, {"folds": [0.25, 0.5]}))

    def test_the_client_does_not_import_numpy(self):
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        check = "import sys, sextant_client; print('numpy' in sys.modules)"
        self.assertEqual(subprocess.check_output([sys.executable, "-c", check], env=env).decode().strip(), "False")

    def test_a_python_without_ssl_imports_the_client_and_reaches_an_http_server(self):
        # Built without ssl, http.client has no HTTPSConnection: the import itself failed.
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        check = textwrap.dedent("""
            import os, sys
            sys.modules["ssl"] = None
            import sextant_client
            study = sextant_client.create_study(sys.argv[1], sys.argv[2], token=os.environ.get("SEXTANT_TOKEN"))
            print("created:", study.study_name)
            try:
                sextant_client.create_study("https://127.0.0.1:1", "x")
            except sextant_client.SextantError as error:
                print("refused:", "built without ssl" in str(error))
        """)
        name = unique("nossl")
        output = subprocess.check_output([sys.executable, "-c", check, URL, name], env=env, stderr=subprocess.STDOUT).decode()
        self.assertIn("created: " + name, output)
        self.assertIn("refused: True", output)

    @unittest.skipUnless(numpy, "numpy is not importable")
    def test_numpy_scalars_and_0d_arrays_go_everywhere_a_number_goes(self):
        np = numpy
        study = sextant_client.create_study(URL, unique("numpy"), directions=["minimize", "minimize"], sampler="random",
                                            sampler_options={"seed": np.int64(5)},
                                            user_attrs={"n": np.int32(3), "flag": np.bool_(True), "scores": np.array([0.5, 0.25])})
        stored = _wire(study)["study"]
        self.assertEqual(stored["userAttrs"], {"n": 3, "flag": True, "scores": [0.5, 0.25]})
        self.assertEqual(stored["sampler"]["options"], {"seed": 5})
        trial = study.ask({"w": FloatDistribution(np.float32(0), np.array(1.0))})
        self.assertEqual(trial.distributions["w"], {"type": "float", "low": 0, "high": 1.0})
        x = trial.suggest_float("x", np.array(-1.0), np.float32(1.0))
        self.assertEqual(trial.distributions["x"], {"type": "float", "low": -1.0, "high": 1.0})
        n = trial.suggest_int("n", np.int64(1), np.array(5), step=np.int32(2))
        self.assertEqual(trial.distributions["n"], {"type": "int", "low": 1, "high": 5, "step": 2})
        self.assertIn(n, (1, 3, 5))
        self.assertEqual(trial.suggest_int("n", 1, 5, step=2), n)
        kind = trial.suggest_categorical("kind", [np.str_("a"), np.int64(2), np.bool_(False), np.float32(0.5), np.array(None)])
        self.assertEqual(trial.distributions["kind"]["choices"], ["a", 2, False, 0.5, None])
        self.assertIn(kind, ["a", 2, False, 0.5, None])
        trial.report(np.float32(0.5), np.int64(0))
        trial.report(np.array(0.25), np.array(1))
        trial.set_user_attr("fold_scores", np.array([0.5, 0.75]))
        trial.set_user_attr("best", {"epoch": np.int64(3), "ok": np.bool_(True), np.int64(7): np.float16(0.5)})
        frozen = study.tell(trial, np.array([np.float32(0.125), x]), constraints=np.array([-1.0]))
        self.assertEqual(frozen.values, [0.125, x])
        self.assertEqual(frozen.constraints, [-1.0])
        self.assertEqual(frozen.intermediate_values, {0: 0.5, 1: 0.25})
        self.assertEqual(frozen.user_attrs, {"fold_scores": [0.5, 0.75], "best": {"epoch": 3, "ok": True, "7": 0.5}})

        study.optimize(lambda trial: np.array([trial.suggest_float("x", -1, 1), 0.0]), n_trials=2,
                       constraints_func=lambda trial: np.float32(trial.params["x"]))
        self.assertEqual([t.state for t in study.trials], [TrialState.COMPLETE] * 3)
        self.assertEqual([t.constraints for t in study.trials[1:]], [[float(np.float32(t.params["x"]))] for t in study.trials[1:]])

        single = sextant_client.create_study(URL, unique("numpy-one"), sampler="random")
        single.optimize(lambda trial: np.array(trial.suggest_float("x", 0, 1)), n_trials=1)
        single.optimize(lambda trial: np.float32("nan"), n_trials=1)
        trials = single.trials
        self.assertEqual([t.state for t in trials], [TrialState.COMPLETE, TrialState.FAIL])
        self.assertEqual(trials[0].values, [trials[0].params["x"]])
        self.assertIn("values must be finite, got", trials[1].system_attrs["failReason"])
        open_trial = single.ask()
        refused = [
            (lambda: open_trial.report(np.array([0.1, 0.2]), 0), TypeError,
             "report: value must be a number, but a sequence of length 2 was given"),
            (lambda: open_trial.report(np.bool_(True), 0), TypeError, "report: value must be a number, got"),
            (lambda: single.tell(open_trial, np.zeros((2, 2))), TypeError,
             "tell: values[0] must be a number, but a sequence of length 2 was given"),
            (lambda: open_trial.suggest_float("y", np.zeros((2, 3)), 1), TypeError,
             "suggest_float('y'): low must be a number, but an array of shape (2, 3) was given"),
            (lambda: open_trial.suggest_categorical("c", [np.float64("inf")]), ValueError,
             "suggest_categorical('c'): choices must be finite"),
        ]
        for call, error, message in refused:
            with self.assertRaises(error) as caught:
                call()
            self.assertIn(message, str(caught.exception))
        # A diverged run's NaN is recorded for the pruner, as Optuna records it (it raised and ended optimize).
        open_trial.report(np.float64("nan"), 1)
        open_trial.report(float("-inf"), 2)
        open_trial.report(decimal.Decimal("sNaN"), 3)  # float() refuses a signalling NaN
        self.assertEqual(_wire(single, "/trials/%d" % open_trial.number)["trial"]["intermediate"], {"1": "NaN", "2": "-Infinity", "3": "NaN"})
        self.assertEqual(single.tell(open_trial, np.float32(0.5)).values, [0.5])
        # And a trial holding one reads back (float() of the null JSON wrote for it crashed every read).
        read = [t for t in single.trials if t.number == open_trial.number][0]
        self.assertTrue(math.isnan(read.intermediate_values[1]))
        self.assertEqual(read.intermediate_values[2], float("-inf"))
        other = single.ask()
        with self.assertWarns(UserWarning):
            self.assertEqual(single.tell(other, np.float32("inf")).state, TrialState.FAIL)


WORKER = textwrap.dedent(
    """
    import sys
    import sextant_client
    url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    study = sextant_client.create_study(url, name, "minimize", sampler="tpe", sampler_options={"nStartupTrials": 5}, load_if_exists=True)
    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_int("y", -3, 3)
        return (x - 1) ** 2 + (y + 1) ** 2
    study.optimize(objective, n_trials=n)
    """
)


class ConcurrentProcessesTest(ClientTestCase):
    def test_several_processes_tune_one_study_without_losing_or_repeating_a_trial(self):
        name = unique("fleet")
        processes, per_process = 4, 8
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        workers = [
            subprocess.Popen([sys.executable, "-c", WORKER, URL, name, str(per_process)], env=env, stderr=subprocess.PIPE)
            for _ in range(processes)
        ]
        for worker in workers:
            _, stderr = worker.communicate(timeout=300)
            self.assertEqual(worker.returncode, 0, stderr.decode())
        trials = sextant_client.load_study(URL, name).trials
        self.assertEqual([t.number for t in trials], list(range(processes * per_process)))
        self.assertTrue(all(t.state == TrialState.COMPLETE for t in trials))
        self.assertEqual(len({t.system_attrs.get("worker", {}).get("pid") for t in trials}), 1)  # the server ran them all
        self.assertEqual(min(t.value for t in trials), sextant_client.load_study(URL, name).best_value)


def as_saved_by_a_newer_sextant(test, name):
    """Rewrites the online tuner `name` in the server's storage as a newer Sextant would save it: with a state field
    (`baseline`) this version does not know."""
    on_server_storage(test, "const study = await storage.getStudy(process.argv[3]); const record = study.systemAttrs['online:tuner'];"
                      " await storage.setStudyAttrs(study.id, { systemAttrs: { 'online:tuner':"
                      " { ...record, state: { ...record.state, baseline: [1] } } } });", name)


class OnlineTunerTest(ClientTestCase):
    """The online tuner routes (`/online/...`) through create_online_tuner, load_online_tuner and OnlineTuner."""

    def test_an_observe_whose_answer_is_lost_is_not_sent_again(self):
        # Sent again on its kept-alive connection as if it had never arrived, the observe the server had
        # counted raised OnlineTunerStaleRoundError ("this cost is not counted"); sent without a round,
        # as a process that only reports costs sends it, the repeat counted for whatever choice waited.
        name = unique("lost-observe")
        chooser = sextant_client.create_online_tuner(URL, name, low=0, high=1, seed=1)
        reporter = sextant_client.load_online_tuner(URL, name)
        reporter.stats()  # a kept-alive connection on this thread for each
        for tuner, rounds in ((chooser, 1), (reporter, 2)):
            chooser.choose()
            with _answers_lost(lambda method, url: method == "POST" and url.endswith("/observe")):
                with self.assertRaises(ServerUnreachableError):
                    tuner.observe(0.5)
            self.assertEqual(chooser.stats().rounds, rounds)
        chooser.close()
        reporter.close()

    def test_an_online_tuner_is_created_loaded_chosen_from_and_told_costs_with_its_settings_read_back(self):
        name = unique("sor-omega")
        tuner = sextant_client.create_online_tuner(URL, name, low=1, high=1.9, arms=10, param_name="omega", cost_scale=120, seed=1)
        self.assertEqual((tuner.name, tuner.algorithm, tuner.param_name, tuner.arms, tuner.seed), (name, "tsallis-inf", "omega", 10, 1))
        self.assertEqual((tuner.cost_scale, tuner.learning_rate, tuner.exploration, tuner.context_low), (120.0, 2.0, None, None))
        self.assertEqual([round(v, 9) for v in tuner.values], [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9])
        self.assertIsNone(tuner.round)
        # An SOR-like loop: the cost of a value is how far it lies from the best omega, in iterations.
        for instance in range(5):
            omega = tuner.choose()
            self.assertIsInstance(omega, float)
            self.assertIn(omega, tuner.values)
            self.assertEqual(tuner.round, instance)
            self.assertEqual(tuner.choose(), omega)  # the same choice until its cost comes
            self.assertEqual(tuner.observe(20 + 100 * abs(omega - 1.6)), (instance + 1, False))
        # The same settings load the tuner where it stands; other settings are refused, naming what differs.
        again = sextant_client.create_online_tuner(URL, name, low=1, high=1.9, arms=10, param_name="omega", cost_scale=120)
        stats = again.stats()
        self.assertEqual((stats.rounds, stats.pending, stats.seed, stats.cost_scale, stats.low, stats.high, stats.log),
                         (5, None, 1, 120.0, 1.0, 1.9, False))
        self.assertAlmostEqual(sum(stats.probabilities), 1.0)
        with self.assertRaises(sextant_client.OnlineTunerSettingsError) as caught:
            sextant_client.create_online_tuner(URL, name, low=1, high=1.9, arms=10, param_name="omega", cost_scale=100)
        self.assertEqual((caught.exception.status, caught.exception.field), (409, "body.name"))
        self.assertIn("costScale 120, not 100", caught.exception.message)
        self.assertEqual(sextant_client.load_online_tuner(URL, name).stats().rounds, 5)
        # A study's name: its own class, still caught as a settings conflict as before.
        study_name = unique("plain")
        sextant_client.create_study(URL, study_name, sampler="random")
        with self.assertRaises(sextant_client.OnlineTunerNameTakenError) as caught:
            sextant_client.create_online_tuner(URL, study_name, low=1, high=2)
        self.assertIsInstance(caught.exception, sextant_client.OnlineTunerSettingsError)
        self.assertEqual((caught.exception.status, caught.exception.code), (409, "online_name_taken"))
        with self.assertRaises(sextant_client.OnlineTunerNameTakenError):
            sextant_client.load_online_tuner(URL, study_name)
        with self.assertRaises(SextantError) as caught:
            sextant_client.load_online_tuner(URL, unique("no-tuner"))
        self.assertEqual(caught.exception.status, 404)
        with self.assertRaises(SextantError) as caught:
            sextant_client.create_online_tuner(URL, unique("bad"), low=1, high=2, arms=1)
        self.assertEqual((caught.exception.status, caught.exception.field), (400, "body.parameter.arms"))
        tuner.close()
        again.close()

    def test_a_cost_for_a_choice_another_process_observed_is_refused_not_credited_to_the_next_choice(self):
        name = unique("shared")
        first = sextant_client.create_online_tuner(URL, name, low=1, high=2, arms=4, seed=3)
        second = sextant_client.load_online_tuner(URL, name)
        value = first.choose()
        self.assertEqual((second.choose(), second.round), (value, 0))  # both hold the choice waiting, of round 0
        self.assertEqual(second.observe(0.5).rounds, 1)
        second.choose()  # a new choice waits, of round 1
        with self.assertRaises(sextant_client.OnlineTunerStaleRoundError) as caught:
            first.observe(0.9)  # the round of first's choose, 0, observed already by second
        self.assertEqual((caught.exception.status, caught.exception.field, caught.exception.code), (409, "body.round", "online_stale_round"))
        stats = first.stats()
        self.assertEqual((stats.rounds, stats.pending is not None), (1, True))
        # A process that only reports costs gives the round the chooser answered.
        self.assertEqual(sextant_client.load_online_tuner(URL, name).observe(0.25, round=1).rounds, 2)
        with self.assertRaises(sextant_client.OnlineTunerOrderError) as caught:
            sextant_client.load_online_tuner(URL, name).observe(0.25)  # nothing waits for a cost
        self.assertEqual((caught.exception.status, caught.exception.field, caught.exception.code), (409, "path.tuner", "online_order"))

    def test_a_tuner_saved_by_a_newer_sextant_is_refused_with_its_code_not_as_an_order_error(self):
        # Its 409 is at path.tuner, as an observe with nothing waiting is: observe raised OnlineTunerOrderError.
        name = unique("newer")
        with sextant_client.create_online_tuner(URL, name, low=1, high=2, arms=4, seed=1) as tuner:
            tuner.choose()
            as_saved_by_a_newer_sextant(self, name)
            for call in (lambda: tuner.observe(0.5), tuner.choose, tuner.stats):
                with self.assertRaises(SextantError) as caught:
                    call()
                self.assertNotIsInstance(caught.exception, (sextant_client.OnlineTunerOrderError, sextant_client.OnlineTunerStaleRoundError))
                self.assertEqual((caught.exception.status, caught.exception.field, caught.exception.code),
                                 (409, "path.tuner", "online_tuner_too_new"))
                self.assertIn("was saved by a newer Sextant", caught.exception.message)

    def test_an_infinite_cost_counts_as_the_worst_and_nan_and_minus_infinity_are_refused_before_they_are_sent(self):
        tuner = sextant_client.create_online_tuner(URL, unique("diverged"), low=1, high=2, arms=3, cost_scale=10, seed=4)
        tuner.choose()
        with self.assertRaises(ValueError) as caught:
            tuner.observe(float("nan"))
        self.assertIn("NaN is no cost", str(caught.exception))
        self.assertEqual(tuner.stats().rounds, 0)
        self.assertEqual(tuner.observe(float("inf")), (1, True))
        tuner.choose()
        # -inf was sent and counted as the best cost; costs are 0 or more, and minus infinity is a slip.
        for minus_infinity in (float("-inf"), decimal.Decimal("-Infinity")):
            with self.assertRaises(ValueError) as caught:
                tuner.observe(minus_infinity)
            self.assertRegex(str(caught.exception), r"^observe: cost .*-[Ii]nf.* is refused: costs are counts or times of 0 or more")
        self.assertEqual(tuner.stats().rounds, 1)
        self.assertEqual(tuner.observe(decimal.Decimal("Infinity")), (2, True))
        tuner.choose()
        self.assertEqual(tuner.observe(fractions.Fraction(5, 2)), (3, False))

    def test_a_contextual_tuner_chooses_by_instance_features_and_refuses_another_context_while_one_waits(self):
        name = unique("chebcb")
        tuner = sextant_client.create_online_tuner(URL, name, low=1, high=1.9, arms=4, algorithm="chebcb",
                                                   context_low=[-2.3], context_high=[0.5], context_degree=3, seed=5)
        self.assertEqual((tuner.context_low, tuner.context_high, tuner.context_degree, tuner.exploration, tuner.learning_rate),
                         ([-2.3], [0.5], 3, 10.0, None))
        value = tuner.choose([-1.0])
        self.assertEqual(tuner.choose((-1.0,)), value)
        with self.assertRaises(sextant_client.OnlineTunerOrderError) as caught:
            tuner.choose([0.2])
        self.assertEqual((caught.exception.status, caught.exception.field), (409, "body.context"))
        self.assertEqual(tuner.observe(3).rounds, 1)
        with sextant_client.create_online_tuner(URL, unique("plain"), low=1, high=2) as plain:
            with self.assertRaises(SextantError) as caught:
                plain.choose([1.0])  # a tuner without context takes none
        self.assertEqual((caught.exception.status, caught.exception.field), (400, "body.context"))
        with self.assertRaises(ValueError):
            sextant_client.create_online_tuner(URL, unique("half"), low=1, high=2, algorithm="chebcb", context_low=[0])


if __name__ == "__main__":
    unittest.main()
