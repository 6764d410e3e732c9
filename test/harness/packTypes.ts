/**
 * The pack's node and credential types, loaded from the source files that package.json's `n8n` section
 * declares (dist/nodes/X/X.node.js → nodes/X/X.node.ts), so the tests run exactly what n8n would load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	NodeConnectionTypes,
	NodeHelpers,
	type ICredentialType,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IVersionedNodeType,
} from 'n8n-workflow';

export const ROOT = join(__dirname, '..', '..');
export const PACKAGE_JSON = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { credentials: string[]; nodes: string[] };
};
export const PACKAGE_NAME = PACKAGE_JSON.name;

function sourceOf(distPath: string): string {
	return join(ROOT, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

function instancesOf<T>(distPaths: string[]): T[] {
	return distPaths.map((distPath) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(sourceOf(distPath)) as Record<string, new () => T>;
		const classes = Object.values(exported).filter((value) => typeof value === 'function');
		if (classes.length !== 1) throw new Error(`${distPath} should export exactly one class`);
		return new classes[0]();
	});
}

export function loadCredentialTypes(): Map<string, ICredentialType> {
	return new Map(instancesOf<ICredentialType>(PACKAGE_JSON.n8n.credentials).map((type) => [type.name, type]));
}

export function loadPackNodes(): Map<string, INodeType | IVersionedNodeType> {
	return new Map(
		instancesOf<INodeType | IVersionedNodeType>(PACKAGE_JSON.n8n.nodes).map((type) => [
			`${PACKAGE_NAME}.${type.description.name}`,
			type,
		]),
	);
}

/** Stand-ins for the two n8n-nodes-base nodes that fixtures use around the pack's nodes. */
class ManualTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Starts the workflow with the items the harness gives it',
		defaults: { name: 'When clicking "Execute workflow"' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

class NoOp implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'No Operation, do nothing',
		name: 'noOp',
		group: ['organization'],
		version: 1,
		description: 'Passes its items on',
		defaults: { name: 'No Operation' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

export class PackNodeTypes implements INodeTypes {
	readonly types = new Map<string, INodeType | IVersionedNodeType>([
		...loadPackNodes(),
		['n8n-nodes-base.manualTrigger', new ManualTrigger()],
		['n8n-nodes-base.noOp', new NoOp()],
	]);

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types.get(nodeType);
		if (!type) throw new Error(`Unknown node type ${nodeType}`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes() {
		return {};
	}
}
