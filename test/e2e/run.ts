/**
 * `npm run test:e2e`: the pack in a real n8n (issue 7). For every n8n version (N8N_E2E_VERSIONS, default: the
 * `n8nVersions` of test/e2e/package.json):
 *
 * 1. installs n8n + Node 24 into ~/.cache/n8n-e2e-installs/<version>/ once (install.ts);
 * 2. installs the packed pack (`npm pack` of the build) into a temporary `$N8N_USER_FOLDER/.n8n/nodes` as n8n
 *    installs community packages;
 * 3. starts the provider simulators with the demo data on free loopback ports, imports credentials that point at
 *    them (`n8n import:credentials`) and the workflows of examples/ (`n8n import:workflow`), runs each with
 *    `n8n execute --id --rawOutput` and compares the normalised results with expectations.ts;
 * 4. starts `n8n start`, creates the owner, signs in and checks through the REST API that every node and
 *    credential type of the pack is registered (with icons), and that "Test credential" passes with the demo
 *    secrets and fails cleanly with wrong ones.
 *
 * Prints a summary per version and exits non-zero on any failure. E2E_KEEP=1 keeps the temporary folders.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CREDENTIAL_EMPTY_VALUE } from 'n8n-workflow';

import { PITNEY_BOWES_ROUTES } from '../simulators/pitneyBowes';
import { PPL_ROUTES } from '../simulators/ppl';
import { allSecrets, CREDENTIAL_REFS, demoCredentials, WRONG_SECRETS, type PackCredentialType } from './credentials';
import { WORKFLOW_EXPECTATIONS, type ExpectedOrder, type WorkflowExpectation } from './expectations';
import { ensureN8n, readSpec, selectedVersions, type N8nInstall } from './install';
import { buildAndPack, importDemo, installPack, readExamples, ROOT, SimulatorWorld } from './stack';
import { freePort, n8nEnv, parseRawOutput, RestClient, runN8n, startN8n, stopAll, type RunningN8n } from './n8n';

const KEEP = process.env.E2E_KEEP === '1';
const loadModule = createRequire(__filename);

// ---------------------------------------------------------------- small helpers

type Json = Record<string, unknown>;

function seconds(since: number): number {
	return (Date.now() - since) / 1000;
}

function formatSeconds(value: number): string {
	return value >= 60 ? `${Math.floor(value / 60)} min ${Math.round(value % 60)} s` : `${value.toFixed(1)} s`;
}

function heading(text: string): void {
	console.log(`\n=== ${text}`);
}

/** Collects named assertions of one n8n version; a failed one is recorded and the suite goes on. */
class Checks {
	readonly passed: string[] = [];

	readonly failed: string[] = [];

	readonly counts: Record<string, { passed: number; total: number }> = {};

	check(group: string, name: string, condition: boolean, detail = ''): boolean {
		const count = (this.counts[group] ??= { passed: 0, total: 0 });
		count.total++;
		if (condition) {
			count.passed++;
			this.passed.push(`${group}: ${name}`);
		} else {
			this.failed.push(`${group}: ${name}${detail ? ` — ${detail}` : ''}`);
			console.log(`  ✗ ${name}${detail ? ` — ${detail}` : ''}`);
		}
		return condition;
	}

	/** Records an exception thrown by a whole phase as one failed assertion. */
	fail(group: string, name: string, error: unknown): void {
		this.check(group, name, false, error instanceof Error ? error.message : String(error));
	}
}

// ---------------------------------------------------------------- the pack as it ships

interface PackTypes {
	packageName: string;
	nodes: Array<{ name: string; displayName: string; version: number | number[]; usableAsTool: boolean; credentials: string[] }>;
	credentials: Array<{ name: string; displayName: string; testable: boolean }>;
}

/** Reads the node and credential types from the built pack (the files package.json's n8n section lists). */
function readPackTypes(): PackTypes {
	const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
		name: string;
		n8n: { nodes: string[]; credentials: string[] };
	};
	const load = (file: string) => {
		const exported = loadModule(path.join(ROOT, file)) as Record<string, new () => Json>;
		const Class = Object.values(exported).find((value) => typeof value === 'function');
		if (!Class) throw new Error(`${file} exports no class`);
		return new Class();
	};
	return {
		packageName: manifest.name,
		nodes: manifest.n8n.nodes.map((file) => {
			const description = load(file).description as Json;
			return {
				name: String(description.name),
				displayName: String(description.displayName),
				version: description.version as number | number[],
				usableAsTool: Boolean(description.usableAsTool),
				credentials: ((description.credentials as Array<{ name: string }> | undefined) ?? []).map((c) => c.name),
			};
		}),
		credentials: manifest.n8n.credentials.map((file) => {
			const credential = load(file);
			return { name: String(credential.name), displayName: String(credential.displayName), testable: Boolean(credential.test) };
		}),
	};
}

// ---------------------------------------------------------------- per version

interface VersionResult {
	version: string;
	checks: Checks;
	install?: N8nInstall;
	installError?: string;
	workflowsRun: number;
	timings: Record<string, number>;
	/** Findings that are not failures (known behaviour of this n8n version). */
	notes: string[];
}

/**
 * The four demo simulators on free loopback ports. `renew()` replaces them with a fresh demo world on the same
 * ports (the credentials keep pointing at them), so every workflow sees the demo data as demoData.ts seeds it,
 * whatever ran before (some demo data moves on when it is read, e.g. PPL batches).
 */
/** Items of every main output of a node's first run, in output order. */
function nodeItems(runData: Json, nodeName: string): Json[] | undefined {
	const runs = runData[nodeName] as Array<{ data?: { main?: Array<Array<Json> | null> }; executionStatus?: string; error?: Json }> | undefined;
	if (!runs || runs.length === 0) return undefined;
	return (runs[0].data?.main ?? []).flatMap((output) => output ?? []);
}

function describeItem(item: Json): string {
	const json = (item.json ?? {}) as Json;
	if (json.error) return `error ${JSON.stringify(json.error).slice(0, 160)}`;
	return `${String(json.orderId)} → ${String(json.status)} (raw ${String(json.statusRaw)})`;
}

function assertWorkflow(checks: Checks, expectation: WorkflowExpectation, execution: Json, stdout: string): void {
	const group = `workflow ${expectation.file}`;
	const data = execution.data as { resultData?: { runData?: Json; error?: Json } } | undefined;
	checks.check(group, 'execution finished without a workflow error', !data?.resultData?.error, JSON.stringify(data?.resultData?.error ?? '').slice(0, 300));
	if (execution.status !== undefined) checks.check(group, 'execution status is "success"', execution.status === 'success', String(execution.status));
	const runData = data?.resultData?.runData ?? {};
	for (const [nodeName, expected] of Object.entries(expectation.nodes)) {
		const items = nodeItems(runData, nodeName);
		if (!checks.check(group, `node "${nodeName}" ran`, items !== undefined, `ran: ${Object.keys(runData).join(', ')}`)) continue;
		checks.check(
			group,
			`node "${nodeName}" output ${expected.length} items`,
			items!.length === expected.length,
			`got ${items!.length}: ${items!.map(describeItem).join('; ')}`,
		);
		expected.forEach((want: ExpectedOrder, index) => {
			const item = items![index];
			const json = (item?.json ?? {}) as Json;
			const label = `"${nodeName}" ${want.orderId}`;
			if ('error' in want) {
				const error = json.error as Json | string | undefined;
				const message = typeof error === 'string' ? error : String(error?.message ?? '');
				checks.check(group, `${label} is an error item matching ${want.error}`, Boolean(error) && want.error.test(message), item ? describeItem(item) : 'missing');
				return;
			}
			checks.check(
				group,
				`${label} → ${want.status} (raw ${want.statusRaw})`,
				json.orderId === want.orderId && json.status === want.status && json.statusRaw === want.statusRaw,
				item ? describeItem(item) : 'missing',
			);
			checks.check(
				group,
				`${label} has the canonical fields`,
				json.provider === want.provider &&
					typeof json.statusLabel === 'string' &&
					typeof json.isFinal === 'boolean' &&
					typeof json.checkedAt === 'string' &&
					!Number.isNaN(Date.parse(json.checkedAt)) &&
					typeof json.details === 'object' &&
					item?.pairedItem !== undefined,
				JSON.stringify({ ...json, raw: undefined, details: undefined, pairedItem: item?.pairedItem }).slice(0, 300),
			);
		});
	}
	const leaked = allSecrets().filter((secret) => stdout.includes(secret));
	checks.check(group, 'no credential secret in the execution data', leaked.length === 0, `found ${leaked.length} secret(s)`);
}

/** Examples other people add without expectations: they must at least run without an error. */
function assertSmoke(checks: Checks, file: string, execution: Json, stdout: string): void {
	const group = `workflow ${file}`;
	const data = execution.data as { resultData?: { runData?: Json; error?: Json } } | undefined;
	checks.check(group, 'execution finished without a workflow error', !data?.resultData?.error);
	const leaked = allSecrets().filter((secret) => stdout.includes(secret));
	checks.check(group, 'no credential secret in the execution data', leaked.length === 0);
}

async function runWorkflows(
	checks: Checks,
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	world: SimulatorWorld,
	result: VersionResult,
): Promise<void> {
	const examples = readExamples();
	for (const expectation of WORKFLOW_EXPECTATIONS) {
		checks.check('examples', `examples/${expectation.file} exists`, examples.some((example) => example.file === expectation.file));
	}
	for (const example of examples) {
		const expectation = WORKFLOW_EXPECTATIONS.find((candidate) => candidate.file === example.file);
		if (!example.manual && !expectation) {
			console.log(`  - ${example.file}: no Manual Trigger, not run from the CLI (imported only)`);
			continue;
		}
		if (expectation) {
			checks.check(`workflow ${example.file}`, `workflow id is ${expectation.workflowId}`, example.id === expectation.workflowId, example.id);
		}
		await world.renew();
		const simulators = world.simulators;
		const before = (expectation?.requests ?? []).map((request) => simulators[request.simulator].count(request.route));
		// n8n 2.x prints the run through its logger at level info.
		const execution = await runN8n(install, { ...env, N8N_LOG_LEVEL: 'info' }, ['execute', `--id=${example.id}`, '--rawOutput']);
		result.workflowsRun++;
		const group = `workflow ${example.file}`;
		const exitDetail = `exit ${execution.code}; stderr: ${execution.stderr.trim().slice(-1200) || '(empty)'}; stdout ends: ${execution.stdout.trim().slice(-300)}`;
		if (!checks.check(group, 'n8n execute exited 0', execution.code === 0, exitDetail)) continue;
		let parsed: Json;
		try {
			parsed = parseRawOutput(execution.stdout) as Json;
		} catch (error) {
			checks.fail(group, 'n8n execute printed the run as JSON', error);
			continue;
		}
		if (expectation) {
			assertWorkflow(checks, expectation, parsed, execution.stdout);
			(expectation.requests ?? []).forEach((request, index) => {
				const made = simulators[request.simulator].count(request.route) - before[index];
				checks.check(group, `${request.simulator}: ${request.count} × ${request.route}`, made === request.count, `made ${made}`);
			});
		} else {
			assertSmoke(checks, example.file, parsed, execution.stdout);
		}
		const failedNow = checks.failed.filter((failure) => failure.startsWith(`${group}:`)).length;
		console.log(`  ${failedNow === 0 ? '✓' : '✗'} ${example.file} (${example.name}) in ${formatSeconds(execution.seconds)}`);
	}
}

function iconUrls(iconUrl: unknown): string[] {
	if (typeof iconUrl === 'string') return [iconUrl];
	if (iconUrl && typeof iconUrl === 'object') return Object.values(iconUrl as Record<string, string>);
	return [];
}

async function checkIcons(checks: Checks, client: RestClient, group: string, label: string, iconUrl: unknown): Promise<void> {
	const urls = iconUrls(iconUrl);
	if (!checks.check(group, `${label} has an icon URL`, urls.length > 0, JSON.stringify(iconUrl))) return;
	for (const url of urls) {
		const response = await client.get<string>(`/${url.replace(/^\//, '')}`);
		checks.check(group, `${label} icon ${url} is served as SVG`, response.status === 200 && response.text.includes('<svg'), `HTTP ${response.status}`);
	}
}

/** The credential of Only Output Changes' Data Table memory (an n8n API key): not a provider's. */
const MEMORY_CREDENTIAL = 'orderStatusMemoryApi';

/** The token endpoint of the credentials that cache an access token. */
const TOKEN_ROUTES: Partial<Record<PackCredentialType, { simulator: 'ppl' | 'pitneyBowes'; route: string }>> = {
	pplCplApi: { simulator: 'ppl', route: PPL_ROUTES.token },
	pitneyBowesFulfillmentApi: { simulator: 'pitneyBowes', route: PITNEY_BOWES_ROUTES.token },
};

async function checkServer(checks: Checks, server: RunningN8n, pack: PackTypes, world: SimulatorWorld): Promise<void> {
	const urls = world.urls;
	const client = new RestClient(server.baseUrl);
	const owner = { email: 'owner@order-status.example', firstName: 'E2E', lastName: 'Owner', password: 'E2e-Owner-Passw0rd' };

	// Owner setup and sign-in (packages/cli/src/controllers/owner.controller.ts and auth.controller.ts).
	const setup = await client.post('/rest/owner/setup', owner);
	checks.check('REST', 'POST /rest/owner/setup creates the owner', setup.status === 200, `HTTP ${setup.status} ${setup.text.slice(0, 300)}`);
	const signIn = new RestClient(server.baseUrl);
	const login = await signIn.post('/rest/login', { emailOrLdapLoginId: owner.email, email: owner.email, password: owner.password });
	checks.check('REST', 'POST /rest/login signs the owner in', login.status === 200 && signIn.signedIn, `HTTP ${login.status} ${login.text.slice(0, 300)}`);
	const me = await signIn.get<Json>('/rest/login');
	checks.check('REST', 'GET /rest/login returns the owner', me.status === 200 && me.data?.email === owner.email, `HTTP ${me.status}`);

	// Node types as the editor loads them.
	const nodesJson = await signIn.get<Json[]>('/types/nodes.json');
	const nodeTypes = Array.isArray(nodesJson.data) ? nodesJson.data : [];
	checks.check('types', 'GET /types/nodes.json lists node types', nodesJson.status === 200 && nodeTypes.length > 100, `HTTP ${nodesJson.status}, ${nodeTypes.length} types`);
	for (const node of pack.nodes) {
		const type = `${pack.packageName}.${node.name}`;
		const registered = nodeTypes.find((candidate) => candidate.name === type);
		if (!checks.check('types', `node ${type} is registered`, Boolean(registered))) continue;
		const wantVersions = ([] as number[]).concat(node.version);
		const haveVersions = ([] as number[]).concat(registered!.version as number | number[]);
		checks.check('types', `node ${type} has version(s) ${wantVersions.join(', ')}`, wantVersions.every((v) => haveVersions.includes(v)), haveVersions.join(', '));
		const credentials = ((registered!.credentials as Array<{ name: string }> | undefined) ?? []).map((c) => c.name);
		checks.check('types', `node ${type} uses ${node.credentials.join(', ')}`, node.credentials.every((name) => credentials.includes(name)), credentials.join(', '));
		await checkIcons(checks, signIn, 'types', `node ${type}`, registered!.iconUrl);
		if (node.usableAsTool) {
			checks.check('types', `node ${type}Tool (AI Agent tool variant) is registered`, nodeTypes.some((candidate) => candidate.name === `${type}Tool`));
		}
	}
	const described = await signIn.post<Json[]>('/rest/node-types', {
		nodeInfos: pack.nodes.map((node) => ({ name: `${pack.packageName}.${node.name}`, version: ([] as number[]).concat(node.version).at(-1) })),
	});
	const descriptions = Array.isArray(described.data) ? described.data : [];
	for (const node of pack.nodes) {
		const description = descriptions.find((candidate) => [node.name, `${pack.packageName}.${node.name}`].includes(String(candidate?.name)));
		checks.check('types', `POST /rest/node-types describes ${node.name} as "${node.displayName}"`, description?.displayName === node.displayName, `HTTP ${described.status}`);
	}

	const credentialsJson = await signIn.get<Json[]>('/types/credentials.json');
	const credentialTypes = Array.isArray(credentialsJson.data) ? credentialsJson.data : [];
	for (const credential of pack.credentials) {
		const registered = credentialTypes.find((candidate) => candidate.name === credential.name);
		if (!checks.check('types', `credential ${credential.name} is registered`, Boolean(registered))) continue;
		checks.check('types', `credential ${credential.name} is "${credential.displayName}"`, registered!.displayName === credential.displayName);
		if (registered!.iconUrl !== undefined) await checkIcons(checks, signIn, 'types', `credential ${credential.name}`, registered!.iconUrl);
	}

	// The imported workflows are there for the editor.
	const workflows = await signIn.get<Array<{ id: string }>>('/rest/workflows');
	const ids = Array.isArray(workflows.data) ? workflows.data.map((workflow) => workflow.id) : [];
	for (const expectation of WORKFLOW_EXPECTATIONS) {
		checks.check('REST', `workflow ${expectation.workflowId} is listed`, ids.includes(expectation.workflowId), `HTTP ${workflows.status}`);
	}

	// "Test credential", as the editor does it (GET the stored, redacted data; POST it to /rest/credentials/test).
	for (const credential of pack.credentials) {
		if (credential.name === MEMORY_CREDENTIAL) {
			// Not a provider's: an n8n API key for Only Output Changes' Data Table memory, pointing at this n8n. Saved with a
			// wrong key and tested, it must fail cleanly: n8n 2.x refuses the key (401), n8n 1.x has no Data Tables in its
			// API (n8n 1.123.81 words its 404 "The resource you are requesting could not be found", without the code). A
			// working key is tested by the queue-mode suite.
			const created = await signIn.post<Json>('/rest/credentials', {
				name: 'Memory API with a wrong key',
				type: MEMORY_CREDENTIAL,
				data: { baseUrl: server.baseUrl, apiKey: 'wrong-n8n-api-key-e2e-7Qx' },
			});
			const createdId = String(created.data?.id ?? '');
			if (checks.check('credential test', `${MEMORY_CREDENTIAL}: POST /rest/credentials saves a credential`, created.status === 200 && createdId !== '', `HTTP ${created.status} ${created.text.slice(0, 200)}`)) {
				const redacted = await signIn.get<Json>(`/rest/credentials/${createdId}?includeData=true`);
				const response = await signIn.post<{ status?: string; message?: string }>('/rest/credentials/test', {
					credentials: { id: createdId, name: 'Memory API with a wrong key', type: MEMORY_CREDENTIAL, data: redacted.data?.data ?? {} },
				});
				const message = String(response.data?.message ?? '');
				checks.check(
					'credential test',
					`${MEMORY_CREDENTIAL}: a wrong API key fails cleanly ("${message.slice(0, 110)}")`,
					response.status === 200 && response.data?.status === 'Error' && /\((401|404)\)|could not be found/i.test(message),
					`HTTP ${response.status} ${response.text.slice(0, 300)}`,
				);
				await signIn.request('DELETE', `/rest/credentials/${createdId}`);
			}
			continue;
		}
		const type = credential.name as PackCredentialType;
		const ref = CREDENTIAL_REFS[type];
		if (!checks.check('credential test', `${type} has a test`, credential.testable && Boolean(ref))) continue;
		const test = async (id: string, name: string, data: Json) => {
			const response = await signIn.post<{ status?: string; message?: string }>('/rest/credentials/test', { credentials: { id, name, type, data } });
			const message = String(response.data?.message ?? '');
			const leaked = allSecrets().filter((secret) => response.text.includes(secret));
			const cleanError =
				response.status === 200 && response.data?.status === 'Error' && message.length > 0 && leaked.length === 0 && !/Cannot read|undefined|is not a function/.test(message);
			return { response, message, leaked, cleanError, ok: response.status === 200 && response.data?.status === 'OK' };
		};
		const stored = await signIn.get<Json>(`/rest/credentials/${ref.id}?includeData=true`);
		const data = (stored.data?.data ?? {}) as Json;
		if (!checks.check('credential test', `GET /rest/credentials/${ref.id} returns ${type}`, stored.status === 200 && stored.data?.type === type, `HTTP ${stored.status}`)) continue;

		// 1. The imported demo credential passes.
		const good = await test(ref.id, ref.name, data);
		checks.check('credential test', `${type}: "Test credential" succeeds against the simulator`, good.ok, `HTTP ${good.response.status} ${good.response.text.slice(0, 300)}`);

		// 2. A new credential with a wrong secret (saved first, as the editor does, then tested) fails cleanly.
		const created = await signIn.post<Json>('/rest/credentials', {
			name: `${ref.name} with a wrong secret`,
			type,
			data: { ...(demoCredentials(urls).find((entry) => entry.type === type)?.data ?? {}), ...WRONG_SECRETS[type] },
		});
		const createdId = String(created.data?.id ?? '');
		if (checks.check('credential test', `${type}: POST /rest/credentials saves a credential`, created.status === 200 && createdId !== '', `HTTP ${created.status} ${created.text.slice(0, 200)}`)) {
			const redacted = await signIn.get<Json>(`/rest/credentials/${createdId}?includeData=true`);
			const bad = await test(createdId, `${ref.name} with a wrong secret`, (redacted.data?.data ?? {}) as Json);
			checks.check(
				'credential test',
				`${type}: a new credential with a wrong secret fails cleanly ("${bad.message.slice(0, 110)}")`,
				bad.cleanError,
				`HTTP ${bad.response.status} ${bad.response.text.slice(0, 300)}${bad.leaked.length ? ' (leaks a secret)' : ''}`,
			);
			await signIn.request('DELETE', `/rest/credentials/${createdId}`);
		}

		// 3. The stored credential opened again in the editor, its token cached by now (by the workflows or by step 1):
		//    tested unchanged, it passes on that token; with its secret changed in the form (not saved yet), it must
		//    fail, after exactly one token request. n8n's test does not force a new token, so the credential's
		//    token is bound to the secret it was obtained with (tokenFor).
		const tokenRoute = TOKEN_ROUTES[type];
		const tokenRequests = () => (tokenRoute ? world.simulators[tokenRoute.simulator].count(tokenRoute.route) : 0);
		const reopened = await signIn.get<Json>(`/rest/credentials/${ref.id}?includeData=true`);
		const current = (reopened.data?.data ?? {}) as Json;
		if (tokenRoute) {
			const cached = current.accessToken;
			checks.check(
				'credential test',
				`${type}: the stored credential holds a cached token`,
				typeof cached === 'string' && cached !== '' && cached !== CREDENTIAL_EMPTY_VALUE,
				`HTTP ${reopened.status}, accessToken ${cached === CREDENTIAL_EMPTY_VALUE ? 'empty' : typeof cached}`,
			);
			const before = tokenRequests();
			const unchanged = await test(ref.id, ref.name, current);
			const requested = tokenRequests() - before;
			checks.check(
				'credential test',
				`${type}: tested again unchanged, it passes on the cached token (${requested} token requests, expected 0)`,
				unchanged.ok && requested === 0,
				`HTTP ${unchanged.response.status} ${unchanged.response.text.slice(0, 300)}`,
			);
		}
		const before = tokenRequests();
		const changed = await test(ref.id, ref.name, { ...current, ...WRONG_SECRETS[type] });
		const requested = tokenRequests() - before;
		checks.check(
			'credential test',
			`${type}: the stored credential with a changed wrong secret fails cleanly ("${changed.message.slice(0, 110)}")`,
			changed.cleanError,
			`HTTP ${changed.response.status} ${changed.response.text.slice(0, 300)}${changed.leaked.length ? ' (leaks a secret)' : ''}`,
		);
		if (tokenRoute) {
			checks.check(
				'credential test',
				`${type}: the changed wrong secret costs exactly one token request (${requested})`,
				requested === 1,
				`${requested} token requests`,
			);
		}
	}

	const health = await fetch(`${server.baseUrl}/healthz`);
	checks.check('REST', 'n8n is still healthy after the checks', health.status === 200);
	const log = readFileSync(server.logFile, 'utf8');
	// The package name, not a longer name that starts with it (the install folder n8n-nodes-order-status-e2e).
	const mentionsPack = new RegExp(`${pack.packageName.replace(/[-.]/g, '\\$&')}(?![\\w-])`);
	const loadErrors = log.split('\n').filter((line) => mentionsPack.test(line) && /error|fail|unrecognized/i.test(line));
	checks.check('REST', `the n8n log shows no error about ${pack.packageName}`, loadErrors.length === 0, loadErrors.slice(0, 3).join(' | '));
}

async function runVersion(version: string, tarball: string, pack: PackTypes): Promise<VersionResult> {
	const result: VersionResult = { version, checks: new Checks(), workflowsRun: 0, timings: {}, notes: [] };
	const checks = result.checks;
	heading(`n8n ${version}`);
	let install: N8nInstall;
	try {
		install = await ensureN8n(version);
		result.install = install;
	} catch (error) {
		result.installError = error instanceof Error ? error.message : String(error);
		checks.fail('install', `n8n@${version} installs`, error);
		return result;
	}

	const started = Date.now();
	const userFolder = mkdtempSync(path.join(os.tmpdir(), `order-status-e2e-${version}-`));
	let server: RunningN8n | undefined;
	let world: SimulatorWorld | undefined;
	try {
		// The pack, installed as n8n installs a community package.
		let phase = Date.now();
		const missing = await installPack(userFolder, tarball, pack.packageName);
		checks.check('pack', 'every file of the n8n section is in the tarball', missing.length === 0, missing.join(', '));
		result.timings.packInstall = seconds(phase);
		console.log(`  pack installed into ${path.join(userFolder, '.n8n', 'nodes')} (${formatSeconds(result.timings.packInstall)})`);

		world = new SimulatorWorld();
		await world.start();
		const env = n8nEnv(install, userFolder, { http: await freePort(), broker: await freePort() });

		phase = Date.now();
		const imported = await importDemo(install, env, userFolder, world.urls);
		checks.check('import', 'n8n import:credentials', imported.credentials.code === 0, `${imported.credentials.stderr}${imported.credentials.stdout}`.slice(-1500));
		checks.check('import', 'n8n import:workflow (examples/)', imported.workflows.code === 0, `${imported.workflows.stderr}${imported.workflows.stdout}`.slice(-1500));
		result.timings.import = seconds(phase);
		console.log(`  credentials and ${readExamples().length} workflows imported (${formatSeconds(result.timings.import)})`);

		phase = Date.now();
		await runWorkflows(checks, install, env, world, result);
		result.timings.workflows = seconds(phase);

		phase = Date.now();
		server = await startN8n(install, env, path.join(userFolder, 'n8n-start.log'));
		result.timings.serverStart = seconds(phase);
		console.log(`  n8n start: REST API up after ${formatSeconds(result.timings.serverStart)} on ${server.baseUrl}`);
		phase = Date.now();
		await checkServer(checks, server, pack, world);
		result.timings.rest = seconds(phase);
	} catch (error) {
		checks.fail('run', 'the suite ran to the end', error);
	} finally {
		if (server) await server.stop();
		await stopAll();
		if (world) await world.stop();
		if (KEEP) console.log(`  kept ${userFolder}`);
		else rmSync(userFolder, { recursive: true, force: true });
	}
	result.timings.run = seconds(started);
	return result;
}

// ---------------------------------------------------------------- main

function printSummary(results: VersionResult[], buildSeconds: number, totalSeconds: number): boolean {
	heading('Summary');
	console.log(`build + npm pack: ${formatSeconds(buildSeconds)}`);
	let ok = true;
	for (const result of results) {
		const { checks } = result;
		const passed = checks.failed.length === 0;
		ok &&= passed;
		const install = result.install
			? result.install.reused
				? 'install reused'
				: `installed in ${formatSeconds(result.install.installSeconds)}`
			: 'install FAILED';
		console.log(`\nn8n ${result.version} (Node ${readSpec().dependencies.node}): ${passed ? 'PASS' : 'FAIL'} — ${install}, suite ${formatSeconds(result.timings.run ?? 0)}`);
		console.log(`  workflows run: ${result.workflowsRun}`);
		const groups = Object.entries(checks.counts);
		const workflowGroups = groups.filter(([group]) => group.startsWith('workflow '));
		const sum = (entries: typeof groups) =>
			entries.reduce((acc, [, count]) => ({ passed: acc.passed + count.passed, total: acc.total + count.total }), { passed: 0, total: 0 });
		const workflowTotals = sum(workflowGroups);
		console.log(`  workflow assertions: ${workflowTotals.passed}/${workflowTotals.total}`);
		for (const [group, count] of groups.filter(([name]) => !name.startsWith('workflow '))) {
			console.log(`  ${group}: ${count.passed}/${count.total}`);
		}
		const timings = Object.entries(result.timings)
			.map(([name, value]) => `${name} ${formatSeconds(value)}`)
			.join(', ');
		console.log(`  timings: ${timings}`);
		for (const note of result.notes) console.log(`  NOTE ${note}`);
		for (const failure of checks.failed) console.log(`  FAILED ${failure}`);
	}
	console.log(`\ntotal: ${formatSeconds(totalSeconds)} — ${ok ? 'all passed' : 'FAILURES'}`);
	return ok;
}

async function main(): Promise<void> {
	const started = Date.now();
	const versions = selectedVersions();
	heading(`End-to-end suite: n8n ${versions.join(', ')}`);

	heading('Build and pack');
	const phase = Date.now();
	const packed = await buildAndPack();
	const { tarball } = packed;
	const buildSeconds = seconds(phase);
	console.log(`  ${path.basename(tarball)}: ${packed.files} files (${formatSeconds(buildSeconds)})`);
	const pack = readPackTypes();
	console.log(`  ${pack.nodes.length} node types, ${pack.credentials.length} credential types`);

	const results: VersionResult[] = [];
	try {
		for (const version of versions) {
			results.push(await runVersion(version, tarball, pack));
		}
	} finally {
		packed.cleanUp();
	}
	const ok = printSummary(results, buildSeconds, seconds(started));
	process.exitCode = ok ? 0 : 1;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping everything this suite started…`);
		void stopAll().finally(() => process.exit(130));
	});
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? error.stack ?? error.message : error);
	await stopAll();
	process.exitCode = 1;
});
