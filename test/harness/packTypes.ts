/**
 * The pack's node and credential types, loaded from the source files that package.json's `n8n` section
 * declares (dist/nodes/X/X.node.js → nodes/X/X.node.ts), so the tests run exactly what n8n would load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	NodeHelpers,
	type ICredentialType,
	type INodeType,
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

/**
 * The n8n-nodes-base nodes that fixtures and examples use around the pack's nodes: the real ones, from the
 * same n8n release as n8n-core (a devDependency), loaded on demand.
 */
const BASE_NODES: Record<string, string> = {
	manualTrigger: 'ManualTrigger/ManualTrigger.node.js',
	scheduleTrigger: 'Schedule/ScheduleTrigger.node.js',
	noOp: 'NoOp/NoOp.node.js',
	set: 'Set/Set.node.js',
	splitOut: 'Transform/SplitOut/SplitOut.node.js',
	limit: 'Transform/Limit/Limit.node.js',
	wait: 'Wait/Wait.node.js',
	if: 'If/If.node.js',
	switch: 'Switch/Switch.node.js',
	filter: 'Filter/Filter.node.js',
	stickyNote: 'StickyNote/StickyNote.node.js',
	// The benchmark's peer (bench/inProcess.ts): what a user builds without the pack.
	httpRequest: 'HttpRequest/HttpRequest.node.js',
};

function loadBaseNode(name: string): INodeType | IVersionedNodeType {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exported = require(`n8n-nodes-base/dist/nodes/${BASE_NODES[name]}`) as Record<string, new () => INodeType>;
	const [NodeClass] = Object.values(exported).filter((value) => typeof value === 'function');
	return new NodeClass();
}

export class PackNodeTypes implements INodeTypes {
	readonly types = new Map<string, INodeType | IVersionedNodeType>(loadPackNodes());

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		let type = this.types.get(nodeType);
		const baseName = nodeType.startsWith('n8n-nodes-base.') ? nodeType.slice('n8n-nodes-base.'.length) : undefined;
		if (!type && baseName && BASE_NODES[baseName]) {
			type = loadBaseNode(baseName);
			this.types.set(nodeType, type);
		}
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
