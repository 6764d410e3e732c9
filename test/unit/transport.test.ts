/**
 * One attempt's rules (nodes/shared/request/transport.ts): a hard deadline for headers and body together, a bound
 * on the decoded size, and redirects followed only within the origin. Deadlines run on a virtual clock.
 */
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';

import type { IHttpRequestOptions } from 'n8n-workflow';

import { sendAttempt, TransportFailure, type HttpSend, type TransportRules } from '../../nodes/shared/request/transport';
import { FakeClock } from './fakeClock';

const RULES: TransportRules = { deadlineMs: 1000, redirects: 'sameOrigin' };
const GET: IHttpRequestOptions = { method: 'GET', url: 'https://api.example.test/v1/orders/A1', qs: { clientId: 'c' } };

const answer = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => ({ statusCode, headers, body });

async function failureOf(work: Promise<unknown>): Promise<TransportFailure> {
	const error = await work.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(TransportFailure);
	return error as TransportFailure;
}

describe('the deadline covers headers and body together', () => {
	test('an answer dripping one byte every 700 ms ends at the deadline, not when the drip stops', async () => {
		const clock = new FakeClock();
		const body = new Readable({ read() {} });
		let bytesSent = 0;
		void (async () => {
			while (!body.destroyed && bytesSent < 100) {
				await clock.sleep(700);
				if (!body.destroyed) body.push(' ');
				bytesSent++;
			}
		})();
		const send: HttpSend = async () => answer(200, body);
		const started = clock.now();
		const failure = await clock.drive(failureOf(sendAttempt(send, GET, RULES, clock)));
		expect(failure.kind).toBe('deadline');
		expect(failure.extra.code).toBe('ETIMEDOUT');
		expect(clock.now() - started).toBe(1000);
		expect(body.destroyed).toBe(true);
	});

	test('headers that never come end at the deadline (the helper is given the deadline as its abort signal)', async () => {
		const clock = new FakeClock();
		const send: HttpSend = async (options) =>
			await new Promise((_, reject) =>
				(options.abortSignal as AbortSignal).addEventListener('abort', () =>
					reject(Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' })),
				),
			);
		const started = clock.now();
		const failure = await clock.drive(failureOf(sendAttempt(send, GET, RULES, clock)));
		expect(failure.kind).toBe('deadline');
		expect(clock.now() - started).toBe(1000);
	});

	test("a failure that is not the deadline's cancellation keeps its own words, even after the deadline (a credential's token request)", async () => {
		const clock = new FakeClock();
		const tokenFailure = new Error('PPL CPL API credential: could not reach the token endpoint');
		const send: HttpSend = async () => {
			await clock.sleep(5000);
			throw tokenFailure;
		};
		const failure = await clock.drive(failureOf(sendAttempt(send, GET, RULES, clock)));
		expect(failure.kind).toBe('network');
		expect(failure.extra.cause).toBe(tokenFailure);
	});

	test('a slow but complete answer within the deadline is read', async () => {
		const clock = new FakeClock();
		const body = new Readable({ read() {} });
		void (async () => {
			for (const part of ['{"status":', '"shipped"}']) {
				await clock.sleep(300);
				body.push(part);
			}
			body.push(null);
		})();
		const result = await clock.drive(sendAttempt(async () => answer(200, body), GET, RULES, clock));
		expect(result).toMatchObject({ statusCode: 200, text: '{"status":"shipped"}' });
	});
});

describe('the decoded size is bounded', () => {
	test('a gzip bomb is dropped once its decoded size passes the bound, without unpacking the rest', async () => {
		const bound = 1024 * 1024;
		const bomb = gzipSync(Buffer.alloc(64 * bound, ' '));
		const decoded = Readable.from([bomb]).pipe(createGunzip());
		let decodedBytes = 0;
		decoded.on('data', (chunk: Buffer) => (decodedBytes += chunk.length));
		const failure = await failureOf(
			sendAttempt(async () => answer(200, decoded), GET, { ...RULES, maxAnswerBytes: bound }, new FakeClock()),
		);
		expect(failure.kind).toBe('tooLarge');
		expect(failure.message).toBe('the answer is larger than 1 MiB');
		expect(decoded.destroyed).toBe(true);
		// A few zlib chunks past the bound at most, nowhere near the 64 MiB inside.
		expect(decodedBytes).toBeLessThan(2 * bound);
	});

	test('a text body above the bound is refused too', async () => {
		const failure = await failureOf(
			sendAttempt(async () => answer(200, 'x'.repeat(2049)), GET, { ...RULES, maxAnswerBytes: 2048 }, new FakeClock()),
		);
		expect(failure).toMatchObject({ kind: 'tooLarge', message: 'the answer is larger than 2048 bytes' });
	});
});

describe('redirects', () => {
	/** Answers each URL from a table and records what was asked. */
	function routes(table: Record<string, ReturnType<typeof answer>>) {
		const asked: IHttpRequestOptions[] = [];
		const send: HttpSend = async (options) => {
			asked.push(options);
			const found = table[options.url];
			if (!found) throw new Error(`unexpected ${options.url}`);
			return found;
		};
		return { send, asked };
	}

	test('n8n is told never to follow a redirect itself', async () => {
		const { send, asked } = routes({ [GET.url]: answer(200, '{}') });
		await sendAttempt(send, GET, RULES, new FakeClock());
		expect(asked[0]).toMatchObject({ disableFollowRedirect: true, encoding: 'stream', returnFullResponse: true });
	});

	test.each([301, 302, 303, 307, 308])('a %i to another origin is not followed and names the target host', async (status) => {
		const { send, asked } = routes({ [GET.url]: answer(status, '', { location: 'https://evil.example.test:8443/steal' }) });
		const failure = await failureOf(sendAttempt(send, GET, RULES, new FakeClock()));
		expect(failure.kind).toBe('redirect');
		expect(failure.extra.targetHost).toBe('evil.example.test:8443');
		expect(failure.message).toContain('another host, evil.example.test:8443');
		expect(asked).toHaveLength(1);
	});

	test('another scheme or port of the same host is another origin', async () => {
		for (const location of ['http://api.example.test/v1/orders/A1', 'https://api.example.test:444/v1/orders/A1']) {
			const { send, asked } = routes({ [GET.url]: answer(302, '', { location }) });
			expect((await failureOf(sendAttempt(send, GET, RULES, new FakeClock()))).kind).toBe('redirect');
			expect(asked).toHaveLength(1);
		}
	});

	test('a redirect within the origin is followed, with its own query and the method a browser would use', async () => {
		const post: IHttpRequestOptions = { method: 'POST', url: 'https://api.example.test/a', body: { token: 't' }, qs: { x: '1' } };
		const { send, asked } = routes({
			'https://api.example.test/a': answer(307, '', { location: '/b?y=2' }),
			'https://api.example.test/b?y=2': answer(303, '', { location: 'https://api.example.test/c' }),
			'https://api.example.test/c': answer(200, '{"ok":true}'),
		});
		const result = await sendAttempt(send, post, RULES, new FakeClock());
		expect(result).toMatchObject({ statusCode: 200, text: '{"ok":true}' });
		expect(asked.map(({ method, url, body, qs }) => ({ method, url, body, qs }))).toEqual([
			{ method: 'POST', url: 'https://api.example.test/a', body: { token: 't' }, qs: { x: '1' } },
			// 307 keeps the method and body; the Location's query replaces the old one.
			{ method: 'POST', url: 'https://api.example.test/b?y=2', body: { token: 't' }, qs: undefined },
			// 303 turns a POST into a GET without a body.
			{ method: 'GET', url: 'https://api.example.test/c', body: undefined, qs: undefined },
		]);
	});

	test('a redirect loop within the origin ends after a few hops', async () => {
		const { send, asked } = routes({ [GET.url]: answer(302, '', { location: GET.url }) });
		const failure = await failureOf(sendAttempt(send, GET, RULES, new FakeClock()));
		expect(failure.message).toBe('more than 5 redirects within api.example.test');
		expect(asked).toHaveLength(6);
	});

	test('with redirects "never" (a token request) even a same-origin redirect ends the attempt', async () => {
		const { send, asked } = routes({ [GET.url]: answer(307, '', { location: '/other' }) });
		const failure = await failureOf(sendAttempt(send, GET, { ...RULES, redirects: 'never' }, new FakeClock()));
		expect(failure.kind).toBe('redirect');
		expect(asked).toHaveLength(1);
	});

	test('a 3xx without a Location is an ordinary answer', async () => {
		const { send } = routes({ [GET.url]: answer(304, '') });
		await expect(sendAttempt(send, GET, RULES, new FakeClock())).resolves.toMatchObject({ statusCode: 304, text: '' });
	});
});

describe('answers n8n throws', () => {
	test('an HTTP error status thrown by the helper (token refresh mode) is an answer, body read under the rules', async () => {
		const send: HttpSend = async () => {
			throw Object.assign(new Error('Request failed with status code 400'), {
				cause: { response: { status: 400, headers: { 'content-type': 'application/json' }, data: Readable.from(['{"e":1}']) } },
			});
		};
		await expect(sendAttempt(send, GET, RULES, new FakeClock())).resolves.toMatchObject({ statusCode: 400, text: '{"e":1}' });
	});

	test('a network failure keeps its code and nothing of the request', async () => {
		const send: HttpSend = async () => {
			throw Object.assign(new Error('socket hang up Authorization: Bearer SECRET'), { code: 'ECONNRESET' });
		};
		const failure = await failureOf(sendAttempt(send, GET, RULES, new FakeClock()));
		expect(failure).toMatchObject({ kind: 'network', message: 'ECONNRESET' });
		expect(failure.extra.code).toBe('ECONNRESET');
	});
});
