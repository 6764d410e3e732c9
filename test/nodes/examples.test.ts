/**
 * The importable workflows of examples/ run through n8n-core's WorkflowExecute with the real n8n-nodes-base
 * nodes they use, against the demo simulators, with credentials under the ids the examples reference.
 * (The end-to-end suite runs the same files in a real n8n.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, loadWorkflow, runWorkflow, type RunResult, type WorkflowJson } from '../harness/runWorkflow';
import { loadCredentialTypes, PACKAGE_NAME, PackNodeTypes } from '../harness/packTypes';
import { PollSession } from '../harness/runPoll';
import { runWebhook } from '../harness/runWebhook';
import { createDemoSimulators, DEMO_CREDENTIALS, DEMO_PPL_BATCH_ID, type DemoSimulators } from '../simulators/demoData';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const example = (name: string): WorkflowJson => loadWorkflow(join(EXAMPLES, name));

let sims: DemoSimulators;
let store: CredentialStore;

beforeEach(async () => {
	sims = createDemoSimulators();
	await Promise.all(Object.values(sims).map(async (sim) => await sim.start()));
	store = new CredentialStore();
	store.add({ id: 'demo-altcraft', name: 'Altcraft (demo simulator)', type: 'altcraftApi', data: { baseUrl: sims.altcraft.url, ...DEMO_CREDENTIALS.altcraft } });
	store.add({
		id: 'demo-ppl',
		name: 'PPL CPL (demo simulator)',
		type: 'pplCplApi',
		data: { environment: 'custom', baseUrl: sims.ppl.url, ...DEMO_CREDENTIALS.ppl, accessToken: '' },
	});
	store.add({
		id: 'demo-pitney-bowes',
		name: 'Pitney Bowes (demo simulator)',
		type: 'pitneyBowesFulfillmentApi',
		data: { environment: 'custom', baseUrl: sims.pitneyBowes.url, ...DEMO_CREDENTIALS.pitneyBowes, accessToken: '' },
	});
	store.add({
		id: 'demo-sender',
		name: 'Sender (demo simulator)',
		type: 'senderApi',
		data: { environment: 'custom', baseUrl: sims.sender.url, ...DEMO_CREDENTIALS.sender, authMode: 'bearer', language: '' },
	});
});
afterEach(async () => await Promise.all(Object.values(sims).map(async (sim) => await sim.stop())));

const orderIds = (result: RunResult, node: string) => result.output(node).map((item) => item.json.orderId);

test('every example is an importable workflow whose node types and credentials exist', () => {
	const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));
	expect(files.length).toBeGreaterThanOrEqual(3);
	const packTypes = new PackNodeTypes();
	const credentialTypes = loadCredentialTypes();
	const baseNodeNames = new Set(
		(JSON.parse(readFileSync(require.resolve('n8n-nodes-base/package.json'), 'utf8')) as { n8n: { nodes: string[] } }).n8n.nodes.map(
			(path) => {
				const base = basename(path, '.node.js');
				return `n8n-nodes-base.${base[0].toLowerCase()}${base.slice(1)}`;
			},
		),
	);
	for (const file of files) {
		const workflow = example(file) as WorkflowJson & { id?: unknown; name?: unknown };
		expect([file, typeof workflow.id, typeof workflow.name]).toEqual([file, 'string', 'string']);
		for (const node of workflow.nodes) {
			if (node.type.startsWith(`${PACKAGE_NAME}.`)) {
				expect(() => packTypes.getByNameAndVersion(node.type, node.typeVersion)).not.toThrow();
			} else {
				expect([file, node.type, baseNodeNames.has(node.type)]).toEqual([file, node.type, true]);
			}
			for (const credentialType of Object.keys(node.credentials ?? {})) {
				expect([file, credentialType, credentialTypes.has(credentialType)]).toEqual([file, credentialType, true]);
			}
		}
	}
});

test('scheduled check routed by status: each order reaches its branch, then only changes come through', async () => {
	const workflow = example('scheduled-check-routed-by-status.json');
	const first = await runWorkflow(workflow, { credentials: store });
	expect(first.error).toBeUndefined();
	expect(orderIds(first, 'New order: send confirmation')).toEqual(['SHOP-1001']);
	expect(orderIds(first, 'Paid: tell the warehouse')).toEqual(['SHOP-1002']);
	expect(orderIds(first, 'Delivered: ask for a review')).toEqual(['SHOP-1003']);
	expect(orderIds(first, 'Cancelled: refund')).toEqual(['SHOP-1004']);
	expect(orderIds(first, 'Anything else: review by hand')).toEqual(['SHOP-1005']);

	// The next scheduled run (static data as n8n saved it) reports only the order that moved.
	sims.altcraft.setStatus('SHOP-1002', 'delivered');
	const second = await runWorkflow(workflow, { credentials: store, staticData: first.staticData });
	expect(second.output('Altcraft order status', 2).map((item) => [item.json.orderId, item.json.previousStatus])).toEqual([
		['SHOP-1002', 'processing'],
	]);
	const routed = [0, 1, 3, 4].flatMap((output) => second.output('Altcraft order status', output));
	expect(routed).toEqual([]);
});

test('PPL batch checked until it is final: loops while importing, then splits created and failed orders', async () => {
	const result = await runWorkflow(example('ppl-batch-until-final.json'), { credentials: store });
	expect(result.error).toBeUndefined();
	expect(orderIds(result, 'Order created')).toEqual(['PPL-REF-1', 'PPL-REF-2']);
	const failed = result.output('Import failed: fix the order').map((item) => item.json);
	expect(failed).toEqual([
		expect.objectContaining({
			orderId: 'PPL-REF-3',
			status: 'rejected',
			details: expect.objectContaining({ errorCode: 'InvalidZip', batchId: DEMO_PPL_BATCH_ID }),
		}),
	]);
	// It really waited for the import: the batch was read more than once, with one token for the whole run.
	expect(result.run.data.resultData.runData['PPL batch status'].length).toBeGreaterThan(1);
	expect(sims.ppl.getCounters().tokenRequests).toBe(1);
});

test('Sender callback: the trigger verifies the order with the API, then the If node branches on the status', async () => {
	const workflow = example('sender-callback-flow.json');
	const secret = (workflow.nodes.find((node) => node.name === 'Sender calls back')!.parameters as IDataObject)
		.sharedSecret as string;
	// A forged callback claiming SND-DEMO-3 (cancelled at Sender) was accepted: the API's answer wins.
	const callback = await runWebhook(workflow, 'Sender calls back', {
		credentials: store,
		request: { body: { ...sims.sender.render('SND-DEMO-3'), status: 'accepted' }, query: { secret } },
	});
	expect(callback.items.map((item) => item.json.status)).toEqual(['cancelled']);
	const flow = await runWorkflow(workflow, { credentials: store, input: callback.items.map((item) => item.json) });
	expect(orderIds(flow, 'Not placed: tell the customer')).toEqual(['SND-DEMO-3']);
	expect(flow.output('Accepted: print the label')).toEqual([]);

	const accepted = await runWebhook(workflow, 'Sender calls back', {
		credentials: store,
		request: { body: sims.sender.render('SND-DEMO-2'), query: { secret } },
	});
	const acceptedFlow = await runWorkflow(workflow, { credentials: store, input: accepted.items.map((item) => item.json) });
	expect(orderIds(acceptedFlow, 'Accepted: print the label')).toEqual(['SND-DEMO-2']);

	const forged = await runWebhook(workflow, 'Sender calls back', {
		credentials: store,
		request: { body: sims.sender.render('SND-DEMO-2'), query: { secret: 'wrong' } },
	});
	expect([forged.answer?.status, forged.items]).toEqual([401, []]);
});

test('Altcraft trigger flow: the first poll records, then only chosen transitions start the workflow', async () => {
	const workflow = example('altcraft-trigger-flow.json');
	const session = new PollSession(workflow, { credentials: store });
	expect((await session.poll()).items).toBeNull();

	sims.altcraft.setStatus('SHOP-1001', 'delivered'); // accepted → delivered: chosen
	sims.altcraft.setStatus('SHOP-1002', 'new'); // processing → accepted: not chosen, remembered
	sims.altcraft.setStatus('SHOP-1004', 'part_refunded'); // cancelled → returned: chosen
	const poll = await session.poll();
	expect(poll.json.map((item) => [item.orderId, item.previousStatus, item.status])).toEqual([
		['SHOP-1001', 'accepted', 'delivered'],
		['SHOP-1004', 'cancelled', 'returned'],
	]);

	const flow = await runWorkflow(workflow, { credentials: store, input: poll.json });
	expect(orderIds(flow, 'Delivered: ask for a review')).toEqual(['SHOP-1001']);
	expect(orderIds(flow, 'Cancelled or returned: refund')).toEqual(['SHOP-1004']);
	expect((await session.poll()).items).toBeNull();
});
