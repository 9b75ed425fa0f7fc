/**
 * Runs before every test file (vitest.config.ts `setupFiles`): takes out of the test process's
 * environment, which every command a test starts inherits, what the contributor's shell may have
 * set that changes what Sextant or Node prints. SEXTANT_DEBUG=1 put a stack trace under every
 * refusal the CLI suites compare, SEXTANT_TOKEN made `sextant serve` ask the suites for a token,
 * and FORCE_COLOR=1 colored what the Node programs the tests start print, into pipes too. It also
 * takes out NODE_EXTRA_CA_CERTS, which cost each Node process the tests start 0.04 CPU-s.
 *
 * The variables that configure the suites themselves stay: SEXTANT_TEST_POSTGRES_URL,
 * SEXTANT_CHROMIUM, SEXTANT_PYTHON, SEXTANT_SCREENSHOTS, and CI.
 */
import { leakedVariables } from "./fixtures/environment.js";

for (const name of leakedVariables(process.env)) delete process.env[name];
