import { KEYWORD_RULES, matchKeywordRules, tokenizeStatus } from '../../nodes/shared/keywordRules';

describe('tokenizeStatus', () => {
	test.each([
		['OutForDelivery', ['OUT', 'FOR', 'DELIVERY']],
		['in_transit', ['IN', 'TRANSIT']],
		['Exception_Hold', ['EXCEPTION', 'HOLD']],
		['ready-for.pickup/now', ['READY', 'FOR', 'PICKUP', 'NOW']],
		['  spaced   out ', ['SPACED', 'OUT']],
		['SHIPPED', ['SHIPPED']],
		['', []],
	])('%s', (raw, tokens) => {
		expect(tokenizeStatus(raw)).toEqual(tokens);
	});
});

describe('matchKeywordRules', () => {
	// The examples status-model.md says must hold.
	test.each([
		['OUT_FOR_DELIVERY', 'shipped'],
		['NotDelivered', 'on_hold'],
		['UNDELIVERED', 'on_hold'],
		['DeliveredToPickupPoint', 'shipped'],
		['PARTIALLY_SHIPPED', 'shipped'],
		['Exception_Hold', 'on_hold'],
		['AWAITING_PICKUP', 'processing'],
		['BACKORDERED', 'on_hold'],
		['RECEIVED', 'accepted'],
		['SHIPMENT_CREATED', 'accepted'],
		['ZEBRA', undefined],
	])('spec example %s → %s', (raw, status) => {
		expect(matchKeywordRules(raw)).toBe(status);
	});

	test.each([
		// Negations must never read as the positive word.
		['NotDelivered', 'on_hold'],
		['not_delivered', 'on_hold'],
		['DELIVERY_FAILED', 'on_hold'],
		['FailedDelivery', 'on_hold'],
		['NotPickedUp', 'on_hold'],
		['DELIVERY_ATTEMPTED', 'on_hold'],
		// A keyword matches the start of a token only.
		['RENEWED', undefined],
		['DELIVERED', 'delivered'],
		['Delivered', 'delivered'],
		['FULFILLED', 'delivered'],
		['ORDER_COMPLETED', 'delivered'],
		['RETURNED_TO_SENDER', 'returned'],
		['BackToSender', 'returned'],
		['RTS', 'returned'],
		['part_refunded', 'returned'],
		['CANCELLED', 'cancelled'],
		['canceled', 'cancelled'],
		['VOIDED', 'cancelled'],
		['IMPORT_ERROR', 'rejected'],
		['DECLINED', 'rejected'],
		['in_transit', 'shipped'],
		['DISPATCHED', 'shipped'],
		['PARCEL_LOCKER', 'shipped'],
		['PICKED', 'processing'],
		['PACKED', 'processing'],
		['RELEASED', 'processing'],
		['LABEL_PRINTED', 'processing'],
		['IN_PROGRESS', 'processing'],
		['NEW', 'accepted'],
		['CONFIRMED', 'accepted'],
		['PENDING', 'pending'],
		['QUEUED', 'pending'],
		['DRAFT', 'pending'],
		['', undefined],
		['___', undefined],
	])('%s → %s', (raw, status) => {
		expect(matchKeywordRules(raw)).toBe(status);
	});

	test('row order decides: a value matching two rows takes the upper one', () => {
		// HOLD (row 2) before RETURN (row 3); OUT FOR (row 6) before DELIVER (row 7).
		expect(matchKeywordRules('RETURN_ON_HOLD')).toBe('on_hold');
		expect(matchKeywordRules('OUT_FOR_DELIVERY')).toBe('shipped');
	});

	test('every row decides at least its own keywords (no row is entirely shadowed by an earlier one)', () => {
		for (const rule of KEYWORD_RULES) {
			const decided = rule.keywords.filter((keyword) => matchKeywordRules(keyword) === rule.status);
			expect({ keywords: rule.keywords, decidedSomething: decided.length > 0 }).toEqual({
				keywords: rule.keywords,
				decidedSomething: true,
			});
		}
	});
});
