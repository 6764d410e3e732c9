/**
 * An in-memory credentials helper that does what n8n's CLI `CredentialsHelper` does
 * (packages/cli/src/credentials-helper.ts): generic `authenticate` properties resolved as expressions against
 * `$credentials`, function-style authenticate (called with the credentials and the request options, its result
 * used as is), and `preAuthentication` run when the single hidden expirable field is empty or when n8n reports the
 * credential expired (after a 401), with the result persisted (so a cached token survives across executions, as in
 * the database). n8n's "forced for credential tests" condition is mirrored too, but n8n 2.40.7 and 1.123.81 never
 * meet it (their test node's type is `noOp`, not `n8n-nodes-base.noOp`), nor does ./credentialTest.ts.
 */
import {
	ICredentialsHelper,
	isExpression,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type Workflow,
} from 'n8n-workflow';

export interface StoredCredential {
	id: string;
	name: string;
	type: string;
	data: ICredentialDataDecryptedObject;
}

/** Credentials by id, as the database holds them; tests read the cached token from here. */
export class CredentialStore {
	private readonly byId = new Map<string, StoredCredential>();
	/** How often preAuthentication ran, per credential type. */
	readonly preAuthenticationCalls = new Map<string, number>();

	add(credential: StoredCredential): INodeCredentialsDetails {
		this.byId.set(credential.id, { ...credential, data: { ...credential.data } });
		return { id: credential.id, name: credential.name };
	}

	get(id: string): StoredCredential {
		const credential = this.byId.get(id);
		if (!credential) throw new Error(`No credential with id ${id}`);
		return credential;
	}

	update(id: string, data: ICredentialDataDecryptedObject): void {
		this.get(id).data = { ...data };
	}

	all(): StoredCredential[] {
		return [...this.byId.values()];
	}
}

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: Map<string, ICredentialType>,
		readonly store: CredentialStore,
	) {
		super();
	}

	private type(name: string): ICredentialType {
		const type = this.types.get(name);
		if (!type) throw new Error(`Unknown credential type ${name}`);
		return type;
	}

	getParentTypes(name: string): string[] {
		const parents = this.types.get(name)?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incomingRequestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incomingRequestOptions as IHttpRequestOptions & Record<string, unknown>;
		const { authenticate } = this.type(typeName);
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate && typeof authenticate === 'object' && authenticate.type === 'generic') {
			if (!workflow || !node) throw new Error('Workflow and node are required for generic authentication');
			requestOptions.headers ??= {};
			for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
					const keyResolved = this.resolve(key, credentials, workflow, node);
					const valueResolved = this.resolve(value, credentials, workflow, node);
					const target = (requestOptions[outerKey] ??= {}) as Record<string, string>;
					target[keyResolved] = valueResolved;
				}
			}
		}
		return requestOptions;
	}

	private resolve(value: string, credentials: ICredentialDataDecryptedObject, workflow: Workflow, node: INode): string {
		if (!isExpression(value)) return value;
		const resolved = workflow.expression.getSimpleParameterValue(
			node,
			value,
			'internal',
			{ $credentials: credentials },
			undefined,
			'',
		);
		return resolved ? String(resolved) : '';
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.type(typeName);
		const expirable = type.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (expirable?.name === undefined || typeof type.preAuthentication !== 'function') return undefined;
		const isTestingCredentials = node?.parameters?.temp === '' && node?.type === 'n8n-nodes-base.noOp';
		if (credentials[expirable.name] !== '' && !credentialsExpired && !isTestingCredentials) return undefined;

		this.store.preAuthenticationCalls.set(typeName, (this.store.preAuthenticationCalls.get(typeName) ?? 0) + 1);
		const output = (await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
		if (output[expirable.name] === undefined) return undefined;
		const nodeCredentials = node.credentials?.[typeName];
		if (!nodeCredentials) return undefined;
		if (nodeCredentials.id) {
			const stored = this.store.get(nodeCredentials.id).data;
			const toPersist = { ...stored };
			for (const [key, value] of Object.entries(output)) {
				if (key === expirable.name || !isExpression(stored[key])) toPersist[key] = value;
			}
			await this.updateCredentials(nodeCredentials, typeName, toPersist);
		}
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const { preAuthentication } = this.type(typeName);
		if (typeof preAuthentication !== 'function') return undefined;
		return (await preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<ICredentials> {
		const stored = this.store.get(nodeCredentials.id!);
		return {
			id: stored.id,
			name: stored.name,
			type,
			data: undefined,
			getData: () => ({ ...stored.data }),
			getDataToSave: () => ({ id: stored.id, name: stored.name, type, data: '' }),
			setData: () => undefined,
		} as unknown as ICredentials;
	}

	async getDecrypted(
		_additionalData: unknown,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.store.get(nodeCredentials.id!);
		if (stored.type !== type) throw new Error(`Credential ${stored.id} is of type ${stored.type}, not ${type}`);
		// A copy, as a database read would give: the node cannot change what is stored.
		return { ...stored.data };
	}

	async updateCredentials(
		nodeCredentials: INodeCredentialsDetails,
		_type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.store.update(nodeCredentials.id!, data);
	}

	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		await this.updateCredentials(nodeCredentials, type, data);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.type(type).properties;
	}
}
