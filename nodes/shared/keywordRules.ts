import type { NormalisedStatus } from './statusModel';

/**
 * The shared keyword rules (status-model.md §2 step 4), for raw values no provider table knows.
 * Data, not code: the first row with a matching keyword wins.
 */
export const KEYWORD_RULES: ReadonlyArray<{ keywords: readonly string[]; status: NormalisedStatus }> = [
	{
		keywords: ['NOT DELIVER', 'UNDELIVER', 'NOT PICK', 'FAILED DELIVER', 'DELIVERY FAIL', 'ATTEMPT'],
		status: 'on_hold',
	},
	{ keywords: ['HOLD', 'ONHOLD', 'BACKORDER', 'EXCEPTION', 'SUSPEND', 'BLOCK'], status: 'on_hold' },
	{ keywords: ['RETURN', 'REFUND', 'BACK TO SENDER', 'RTS'], status: 'returned' },
	{ keywords: ['CANCEL', 'VOID', 'ABORT'], status: 'cancelled' },
	{ keywords: ['REJECT', 'ERROR', 'FAIL', 'DECLIN', 'INVALID', 'DENIED'], status: 'rejected' },
	{
		keywords: [
			'OUT FOR',
			'PICKUP POINT',
			'PARCEL LOCKER',
			'READY FOR PICKUP',
			'PICKED UP',
			'PICKEDUP',
			'SHIPPED',
			'SHIPPING',
			'TRANSIT',
			'DISPATCH',
			'HANDED',
			'COLLECTED',
		],
		status: 'shipped',
	},
	{ keywords: ['DELIVER', 'COMPLETED', 'FULFILLED'], status: 'delivered' },
	{
		keywords: ['PICK', 'PACK', 'PROCESS', 'RELEASE', 'PREPAR', 'PAID', 'LABEL', 'PRINT', 'IN PROGRESS', 'ALLOCAT'],
		status: 'processing',
	},
	{ keywords: ['RECEIV', 'NEW', 'CREATED', 'OPEN', 'ACCEPT', 'CONFIRM', 'REGISTER'], status: 'accepted' },
	{ keywords: ['PEND', 'QUEUE', 'WAIT', 'AWAIT', 'DRAFT', 'SUBMIT', 'IMPORT'], status: 'pending' },
];

/**
 * Splits a raw value into upper-case tokens: at spaces, `_`, `-`, `.`, `/` and at lower→upper camelCase
 * boundaries (`OutForDelivery` → OUT, FOR, DELIVERY).
 */
export function tokenizeStatus(raw: string): string[] {
	return raw
		.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
		.split(/[\s_\-./]+/)
		.filter((token) => token.length > 0)
		.map((token) => token.toUpperCase());
}

/** A keyword matches when consecutive tokens start with its words (`DELIVER` matches DELIVERED, not UNDELIVERED). */
function keywordMatches(tokens: readonly string[], keyword: string): boolean {
	const words = keyword.split(' ');
	for (let start = 0; start + words.length <= tokens.length; start++) {
		if (words.every((word, offset) => tokens[start + offset].startsWith(word))) return true;
	}
	return false;
}

/** The status of the first rule with a matching keyword, or undefined when no rule matches. */
export function matchKeywordRules(raw: string): NormalisedStatus | undefined {
	const tokens = tokenizeStatus(raw);
	if (tokens.length === 0) return undefined;
	return KEYWORD_RULES.find((rule) => rule.keywords.some((keyword) => keywordMatches(tokens, keyword)))?.status;
}
