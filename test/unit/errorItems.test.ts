import type { INode } from 'n8n-workflow';

import { InvalidIdentifierError } from '../../nodes/shared/identifier';
import { toNodeError } from '../../nodes/shared/nodeErrors';
import { ProviderError } from '../../nodes/shared/providerClient';
import { outcomeItems } from '../../nodes/shared/runStatusCheck';

const node: INode = {
	id: 'node-1',
	name: 'Altcraft Market',
	type: 'n8n-nodes-order-status.altcraftMarket',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

// Altcraft answers "order not found" with HTTP 200 and `error: 404` in the body.
const notFound = toNodeError(
	node,
	new ProviderError('Altcraft: Order not found (error 404)', { httpCode: '200', providerCode: '404' }),
	1,
	[],
);
const badInput = toNodeError(node, new InvalidIdentifierError('Order ID is empty'), 2, []);

describe('error items', () => {
	test('on the regular output: provider and order id beside the error, as on a status item', () => {
		const [item] = outcomeItems({ itemIndex: 1, orderId: 'missing', error: notFound }, false, 'altcraft-market');
		expect(item).toEqual({
			json: {
				provider: 'altcraft-market',
				orderId: 'missing',
				error: { message: 'Altcraft: Order not found (error 404)', httpCode: '200', providerCode: '404' },
			},
			pairedItem: { item: 1 },
		});
	});

	test('on the error output: provider and order id inside `error` (n8n routes only items that hold just `error`)', () => {
		const [item] = outcomeItems({ itemIndex: 1, orderId: 'missing', error: notFound }, true, 'altcraft-market');
		expect(Object.keys(item.json)).toEqual(['error']);
		expect(item.json.error).toEqual({
			provider: 'altcraft-market',
			orderId: 'missing',
			message: 'Altcraft: Order not found (error 404)',
			httpCode: '200',
			providerCode: '404',
		});
	});

	test('httpCode is the HTTP status of the answer; without an answer both codes are null', () => {
		const [item] = outcomeItems({ itemIndex: 2, orderId: '', error: badInput }, true, 'ppl-cpl');
		expect(item.json.error).toMatchObject({ provider: 'ppl-cpl', orderId: '', httpCode: null, providerCode: null });
	});
});
