/**
 * The credentials the example workflows reference (by id), pointing at the provider simulators, in the shape
 * `n8n import:credentials` reads (plain `data` objects: n8n encrypts them on import). Also the wrong-secret
 * variants the suite feeds to "Test credential".
 */
import { DEMO_CREDENTIALS } from '../simulators/demoData';

export interface SimulatorUrls {
	altcraft: string;
	ppl: string;
	pitneyBowes: string;
	sender: string;
}

export interface ImportableCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

/** Ids and names as the example workflows (and test/nodes/examples.test.ts) reference them. */
export const CREDENTIAL_REFS = {
	altcraftApi: { id: 'demo-altcraft', name: 'Altcraft (demo simulator)' },
	pplCplApi: { id: 'demo-ppl', name: 'PPL CPL (demo simulator)' },
	pitneyBowesFulfillmentApi: { id: 'demo-pitney-bowes', name: 'Pitney Bowes (demo simulator)' },
	senderApi: { id: 'demo-sender', name: 'Sender (demo simulator)' },
} as const;

export type PackCredentialType = keyof typeof CREDENTIAL_REFS;

export function demoCredentials(urls: SimulatorUrls): ImportableCredential[] {
	const entry = (type: PackCredentialType, data: Record<string, string>): ImportableCredential => ({
		...CREDENTIAL_REFS[type],
		type,
		data,
	});
	return [
		entry('altcraftApi', { baseUrl: urls.altcraft, apiToken: DEMO_CREDENTIALS.altcraft.apiToken }),
		entry('pplCplApi', {
			environment: 'custom',
			baseUrl: urls.ppl,
			clientId: DEMO_CREDENTIALS.ppl.clientId,
			clientSecret: DEMO_CREDENTIALS.ppl.clientSecret,
			accessToken: '',
		}),
		entry('pitneyBowesFulfillmentApi', {
			environment: 'custom',
			baseUrl: urls.pitneyBowes,
			apiKey: DEMO_CREDENTIALS.pitneyBowes.apiKey,
			apiSecret: DEMO_CREDENTIALS.pitneyBowes.apiSecret,
			clientId: DEMO_CREDENTIALS.pitneyBowes.clientId,
			accessToken: '',
		}),
		entry('senderApi', {
			environment: 'custom',
			baseUrl: urls.sender,
			apiKey: DEMO_CREDENTIALS.sender.apiKey,
			authMode: 'bearer',
			headerName: 'X-Api-Key',
			language: '',
		}),
	];
}

/** Per credential type: the secret field(s) replaced with a wrong value, as a user would type a wrong secret. */
export const WRONG_SECRETS: Record<PackCredentialType, Record<string, string>> = {
	altcraftApi: { apiToken: 'wrong-altcraft-token-e2e-7Qx' },
	pplCplApi: { clientSecret: 'wrong-ppl-secret-e2e-7Qx' },
	pitneyBowesFulfillmentApi: { apiSecret: 'wrong-pb-secret-e2e-7Qx' },
	senderApi: { apiKey: 'wrong-sender-key-e2e-7Qx' },
};

/** Every secret value the suite uses: none may appear in an execution's output or a credential test message. */
export function allSecrets(): string[] {
	const demo = [
		DEMO_CREDENTIALS.altcraft.apiToken,
		DEMO_CREDENTIALS.ppl.clientSecret,
		DEMO_CREDENTIALS.pitneyBowes.apiKey,
		DEMO_CREDENTIALS.pitneyBowes.apiSecret,
		DEMO_CREDENTIALS.sender.apiKey,
	];
	const wrong = Object.values(WRONG_SECRETS).flatMap((fields) => Object.values(fields));
	return [...demo, ...wrong];
}
