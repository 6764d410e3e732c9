/** Pitney Bowes error bodies (every documented shape) read into one readable message, and the gateway codes. */
import {
	describePitneyBowesError,
	newTransactionId,
	PITNEY_BOWES_PROFILE,
	readPitneyBowesErrors,
} from '../../nodes/PitneyBowesFulfillment/api';
import type { ProviderResponse } from '../../nodes/shared/providerClient';

function response(statusCode: number, body: unknown): ProviderResponse {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { statusCode, headers: {}, text, json };
}

describe('describePitneyBowesError', () => {
	it.each<[string, number, unknown, string, string | undefined]>([
		[
			'the standard error object',
			400,
			{ errors: [{ errorCode: '1019003', errorDescription: 'Invalid address.', additionalInfo: 'postalCode too long' }] },
			'1019003: Invalid address. (postalCode too long)',
			'1019003',
		],
		[
			'legacy format 1 (a top-level array)',
			400,
			[{ errorCode: '1021141', message: 'Invalid combination.', additionalInfo: '(NAE)' }],
			'1021141: Invalid combination. ((NAE))',
			'1021141',
		],
		[
			'legacy format 2 ("status": "ERROR")',
			400,
			{ status: 'ERROR', errors: [{ errorCode: '40000072', errorDescription: 'Invalid value for renderType.' }] },
			'40000072: Invalid value for renderType.',
			'40000072',
		],
		[
			'legacy format 3 (key and message)',
			400,
			[{ key: 'address.not.verified', message: 'Address not verified' }],
			'address.not.verified: Address not verified',
			'address.not.verified',
		],
		[
			'the bare gateway error',
			429,
			{ errorCode: 'PB-APIM-ERR-1006', errorDescription: 'Spike arrest violation' },
			'PB-APIM-ERR-1006: Spike arrest violation',
			'PB-APIM-ERR-1006',
		],
		[
			'several errors',
			400,
			{ errors: [{ errorCode: 'A1', errorDescription: 'First' }, { errorCode: 'B2', errorDescription: 'Second' }] },
			'A1: First; B2: Second',
			'A1',
		],
		['an HTML page', 502, '<html>Bad gateway</html>', 'HTTP 502', undefined],
		['an empty array', 500, [], 'HTTP 500', undefined],
	])('reads %s', (_case, statusCode, body, message, providerCode) => {
		const described = describePitneyBowesError(response(statusCode, body));
		expect(described.message).toBe(message);
		expect(described.providerCode).toBe(providerCode);
	});

	it('names the parameters PB points at and says what to check', () => {
		const described = describePitneyBowesError(
			response(400, { errors: [{ errorCode: '1000004', errorDescription: 'Invalid clientId', parameters: ['clientId'] }] }),
		);
		expect(described.description).toBe(
			'Check the Client ID of the "Pitney Bowes Fulfillment API" credential. Parameters: clientId',
		);
	});

	it('ignores entries that are not objects', () => {
		expect(readPitneyBowesErrors([null, 'text', { errorCode: 'X', message: 'Y' }])).toEqual([
			{ code: 'X', description: 'Y', additionalInfo: undefined, parameters: undefined },
		]);
	});
});

describe('the gateway codes', () => {
	const tokenRefused = (statusCode: number, body: unknown) =>
		PITNEY_BOWES_PROFILE.isTokenExpired!(response(statusCode, body));
	const retryable = (statusCode: number, body: unknown) => PITNEY_BOWES_PROFILE.isRateLimited!(response(statusCode, body));

	it('sees a refused token in every 401 and in a 403 with PB-APIM-ERR-1002/1003, in any body shape', () => {
		expect(tokenRefused(401, '')).toBe(true);
		expect(tokenRefused(401, [{ errorCode: 'PB-APIM-ERR-1003', message: 'expired' }])).toBe(true);
		expect(tokenRefused(403, { errorCode: 'PB-APIM-ERR-1002', errorDescription: 'Invalid Access Token' })).toBe(true);
		expect(tokenRefused(403, { errors: [{ errorCode: '8000403', errorDescription: 'Forbidden' }] })).toBe(false);
		expect(tokenRefused(404, { errors: [{ errorCode: '8000404', errorDescription: 'Not found' }] })).toBe(false);
	});

	it('retries spike arrest whatever the HTTP status, and nothing else beyond the usual', () => {
		expect(retryable(400, { errors: [{ errorCode: 'PB-APIM-ERR-1006', errorDescription: 'Spike' }] })).toBe(true);
		expect(retryable(403, [{ errorCode: 'PB-APIM-ERR-1006', message: 'Spike' }])).toBe(true);
		expect(retryable(400, { errors: [{ errorCode: '8000400', errorDescription: 'Invalid request' }] })).toBe(false);
	});

	it('makes transaction ids PB accepts', () => {
		const ids = Array.from({ length: 1000 }, () => newTransactionId());
		expect(new Set(ids).size).toBe(1000);
		for (const id of ids) expect(id).toMatch(/^n8n-[A-Za-z0-9_-]{20}$/);
		const [first] = ids;
		expect(first.length).toBeLessThanOrEqual(25);
	});
});
