/**
 * Route by Status and Only Output Changes, through n8n-core's WorkflowExecute (Altcraft Market as the carrier;
 * the code is shared, and the last test checks every action node offers it the same way).
 */
import { NodeHelpers, type IDataObject, type INodeTypeDescription } from 'n8n-workflow';

import { ROUTING_PROPERTIES, STATUS_NODE_OUTPUTS } from '../../nodes/shared/statusRouting';
import { PackNodeTypes } from '../harness/packTypes';
import {
	buildWorkflow,
	CredentialStore,
	fixture,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type RunResult,
} from '../harness/runWorkflow';
import { AltcraftSimulator } from '../simulators/altcraft';
import { SECRETS } from '../providers';

const NODE = 'Altcraft Market';
const WORKFLOW = fixture('altcraft-get-status.workflow.json');

let sim: AltcraftSimulator;
let store: CredentialStore;

beforeAll(async () => {
	sim = new AltcraftSimulator({ token: SECRETS.altcraftToken });
	await sim.start();
});
afterAll(async () => await sim.stop());

beforeEach(() => {
	sim.orders.length = 0;
	sim.clearFaults();
	sim.resetStats();
	store = new CredentialStore();
	store.add({
		id: 'altcraft-1',
		name: 'Altcraft',
		type: 'altcraftApi',
		data: { baseUrl: sim.url, apiToken: SECRETS.altcraftToken },
	});
});

const ORDERS: Array<[string, string]> = [
	['A-new', 'new'],
	['A-paid', 'paid'],
	['A-delivered', 'delivered'],
	['A-canceled', 'canceled'],
	['A-refund', 'part_refunded'],
	['A-queued', 'QUEUED'],
	['A-transit', 'IN_TRANSIT'],
	['A-hold', 'ON_HOLD'],
	['A-rejected', 'REJECTED'],
	['A-zebra', 'zebra'],
];

const seed = () => ORDERS.forEach(([id, status]) => sim.addOrder({ external_id: id, status }));
const run = async (workflow: typeof WORKFLOW, ids: string[], staticData?: IDataObject) =>
	await runWorkflow(workflow, { credentials: store, input: ids.map((orderId) => ({ orderId })), staticData });
const ids = (result: RunResult, output: number) => result.output(NODE, output).map((item) => item.json.orderId);

describe('Route by Status', () => {
	test('every status goes to its own output when all are routed; Other stays empty', async () => {
		seed();
		const workflow = withParameters(WORKFLOW, NODE, {
			routeByStatus: true,
			routedStatuses: ['pending', 'accepted', 'processing', 'on_hold', 'shipped', 'delivered', 'cancelled', 'rejected', 'returned', 'unknown'],
		});
		const result = await run(workflow, ORDERS.map(([id]) => id));
		expect(result.outputCount(NODE)).toBe(11);
		expect([...Array(11).keys()].map((output) => ids(result, output))).toEqual([
			['A-queued'],
			['A-new'],
			['A-paid'],
			['A-hold'],
			['A-transit'],
			['A-delivered'],
			['A-canceled'],
			['A-rejected'],
			['A-refund'],
			['A-zebra'],
			[],
		]);
	});

	test('statuses not chosen go to Other; pairing and input order survive the sorting', async () => {
		seed();
		const workflow = withParameters(WORKFLOW, NODE, { routeByStatus: true, routedStatuses: ['delivered', 'accepted'] });
		const result = await run(workflow, ['A-delivered', 'A-paid', 'A-new', 'A-zebra', 'A-delivered']);
		expect(result.outputCount(NODE)).toBe(3);
		expect(ids(result, 0)).toEqual(['A-new']);
		expect(ids(result, 1)).toEqual(['A-delivered', 'A-delivered']);
		expect(ids(result, 2)).toEqual(['A-paid', 'A-zebra']);
		expect(result.output(NODE, 1).map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 4 }]);
		expect(result.output(NODE, 2).map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 3 }]);
	});

	test('the error output still works together with routing', async () => {
		seed();
		const workflow = withNodeSettings(
			withParameters(WORKFLOW, NODE, { routeByStatus: true, routedStatuses: ['accepted'] }),
			NODE,
			{ onError: 'continueErrorOutput' },
		);
		const result = await run(workflow, ['A-new', 'missing', 'A-paid']);
		expect(result.outputCount(NODE)).toBe(3);
		expect(ids(result, 0)).toEqual(['A-new']);
		expect(ids(result, 1)).toEqual(['A-paid']);
		expect(result.output(NODE, 2).map((item) => [item.pairedItem, (item.json.error as IDataObject).orderId])).toEqual([
			[{ item: 1 }, 'missing'],
		]);
	});

	test('with "continue" on the regular output, error items go to Other', async () => {
		seed();
		const workflow = withNodeSettings(
			withParameters(WORKFLOW, NODE, { routeByStatus: true, routedStatuses: ['accepted'] }),
			NODE,
			{ onError: 'continueRegularOutput' },
		);
		const result = await run(workflow, ['missing', 'A-new']);
		expect(result.output(NODE, 1).map((item) => item.json)).toEqual([
			{
				provider: 'altcraft-market',
				orderId: 'missing',
				error: expect.objectContaining({ message: 'Altcraft: Order not found (error 404)' }),
			},
		]);
	});
});

describe('Only Output Changes', () => {
	const watching = withParameters(WORKFLOW, NODE, { onlyChanges: true });

	test('across executions: the first check reports everything, then only orders whose status changed', async () => {
		seed();
		const list = ['A-new', 'A-paid', 'A-transit'];
		const first = await run(watching, list);
		expect(first.output(NODE).map((item) => [item.json.orderId, item.json.previousStatus, item.json.changed])).toEqual([
			['A-new', null, true],
			['A-paid', null, true],
			['A-transit', null, true],
		]);

		const second = await run(watching, list, first.staticData);
		expect(second.output(NODE)).toEqual([]);

		sim.setStatus('A-paid', 'delivered');
		const third = await run(watching, list, second.staticData);
		expect(third.output(NODE).map((item) => [item.json.orderId, item.json.previousStatus, item.json.status])).toEqual([
			['A-paid', 'processing', 'delivered'],
		]);

		// A delivered order is final: it leaves the main memory, yet checking it again does not report it again.
		const fourth = await run(watching, list, third.staticData);
		expect(fourth.output(NODE)).toEqual([]);
		const memory = fourth.staticData[`node:${NODE}`] as { orderStatus: { open: IDataObject; finished: IDataObject } };
		expect(Object.keys(memory.orderStatus.open)).toEqual(['altcraft-market:A-new', 'altcraft-market:A-transit']);
		expect(memory.orderStatus.finished).toEqual({ 'altcraft-market:A-paid': 'delivered' });
	});

	test('unchanged orders can go to their own output, and routing applies to the changed ones', async () => {
		seed();
		const workflow = withParameters(WORKFLOW, NODE, {
			onlyChanges: true,
			unchangedOrders: 'output',
			routeByStatus: true,
			routedStatuses: ['delivered'],
		});
		const first = await run(workflow, ['A-new', 'A-delivered']);
		expect(first.outputCount(NODE)).toBe(3);
		sim.setStatus('A-new', 'delivered');
		const second = await run(workflow, ['A-new', 'A-delivered'], first.staticData);
		expect(ids(second, 0)).toEqual(['A-new']);
		expect(ids(second, 1)).toEqual([]);
		expect(second.output(NODE, 2).map((item) => [item.json.orderId, item.json.changed])).toEqual([['A-delivered', false]]);
	});

	test('failed lookups do not touch the memory', async () => {
		seed();
		const workflow = withNodeSettings(watching, NODE, { onError: 'continueRegularOutput' });
		const first = await run(workflow, ['missing', 'A-new']);
		const memory = first.staticData[`node:${NODE}`] as { orderStatus: { open: IDataObject } };
		expect(Object.keys(memory.orderStatus.open)).toEqual(['altcraft-market:A-new']);
	});
});

test('every action node offers routing the same way, and old workflows keep one output', () => {
	const types = new PackNodeTypes();
	const actionNodes = [...types.types.entries()].filter(
		([name, type]) => name.startsWith('n8n-nodes-order-status.') && !(type.description as INodeTypeDescription).group.includes('trigger'),
	);
	expect(actionNodes.map(([name]) => name.split('.')[1]).sort()).toEqual(
		['altcraftMarket', 'pitneyBowesFulfillment', 'pplCpl', 'sender'].sort(),
	);
	for (const [type, nodeType] of actionNodes) {
		const description = nodeType.description as INodeTypeDescription;
		expect(description.outputs).toBe(STATUS_NODE_OUTPUTS);
		for (const property of ROUTING_PROPERTIES) {
			expect(description.properties.find((candidate) => candidate.name === property.name)).toEqual(property);
		}
		// What the editor computes for a saved v1 workflow without the new parameters, and with routing on.
		const node = { id: '1', name: 'N', type, typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
		const workflow = buildWorkflow({ nodes: [node], connections: {} });
		expect(NodeHelpers.getNodeOutputs(workflow, node, description)).toEqual([{ type: 'main' }]);
		const routed = { ...node, parameters: { routeByStatus: true, routedStatuses: ['shipped', 'on_hold'] } };
		expect(NodeHelpers.getNodeOutputs(buildWorkflow({ nodes: [routed], connections: {} }), routed, description)).toEqual([
			{ type: 'main', displayName: 'On Hold' },
			{ type: 'main', displayName: 'Shipped' },
			{ type: 'main', displayName: 'Other' },
		]);
	}
});

test('Max Requests per Second: in the Options of every action node and polling trigger (not set by default), not the Sender Trigger', () => {
	const types = new PackNodeTypes();
	const optionNames = (nodeType: unknown, version?: number) => {
		const described = (nodeType as { nodeVersions?: Record<number, { description: INodeTypeDescription }> }).nodeVersions;
		const description = (described && version !== undefined ? described[version].description : (nodeType as { description: INodeTypeDescription }).description);
		return description.properties
			.filter((property) => property.name === 'options' && property.type === 'collection')
			.flatMap((collection) => (collection.options ?? []).map((option) => ('name' in option ? option.name : '')));
	};
	const offering: string[] = [];
	for (const [name, nodeType] of types.types) {
		const short = name.split('.')[1];
		if (short === 'senderTrigger') {
			for (const version of [1, 2]) expect(optionNames(nodeType, version)).not.toContain('maxRequestsPerSecond');
			continue;
		}
		if (optionNames(nodeType).includes('maxRequestsPerSecond')) offering.push(short);
	}
	expect(offering.sort()).toEqual(
		['altcraftMarket', 'altcraftMarketTrigger', 'pitneyBowesFulfillment', 'pitneyBowesFulfillmentTrigger', 'pplCpl', 'pplCplTrigger', 'sender'].sort(),
	);
	// Inside a collection the option exists only once the user adds it: a saved workflow has none.
	const altcraft = types.types.get('n8n-nodes-order-status.altcraftMarket')!.description as INodeTypeDescription;
	const options = altcraft.properties.find((property) => property.name === 'options')!;
	expect(options.default).toEqual({});
});
