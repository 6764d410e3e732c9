/**
 * Runs a polling trigger's `poll()` through n8n-core's real `PollContext`, the way n8n's poller does
 * (n8n-core `PollTriggerExecutor`): items → `__emit`, `null` → commit the cursor, an error → `__emitError`.
 *
 * A `PollSession` is one activation of the workflow: its `Workflow` object (and so its static data) lives in
 * memory from poll to poll, as in n8n's active-workflow manager, and what n8n's database would hold is kept
 * apart ("saved"), by n8n's rules:
 * - `legacy` (n8n's default): saved when a poll emits, and only when n8n noticed a change (`__dataChanged`,
 *   which it sets for assignments it observes, not for edits inside objects the node created itself);
 * - `durable` (`N8N_POLLER_DURABLE_CURSORS_ENABLED`): the node works on a copy of its static data, committed
 *   when the poll emits or returns null, dropped when it throws.
 * `restart()` throws the in-memory workflow away and rebuilds it from what was saved, as an n8n restart does.
 */
import { PollContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	Workflow,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import type { CredentialStore } from './credentialsHelper';
// Nodes log through n8n-core's DI Logger here (not LoggerProxy): runWorkflow's import of testLogger sends those
// lines to the same capture as the rest.
import { additionalDataFor, buildWorkflow, type WorkflowJson } from './runWorkflow';

export type StaticDataPersistence = 'legacy' | 'durable';

export interface PollSessionOptions {
	credentials: CredentialStore;
	/** The polling node (default: the workflow's only node with `polling: true`). */
	nodeName?: string;
	/** The static data n8n's database holds when the session starts (an object or its JSON). */
	savedStaticData?: IDataObject | string;
	persistence?: StaticDataPersistence;
	/** n8n's time budget for one poll (`getPollBudgetMs`); default n8n's 5 minutes. */
	pollBudgetMs?: number;
	/** How the workflow was activated (`getActivationMode()`). */
	activation?: WorkflowActivateMode;
}

export interface PollOutcome {
	/** The first output's items, or null when the poll found nothing new (or failed). */
	items: INodeExecutionData[] | null;
	/** The items' json, [] when there were none. */
	json: IDataObject[];
	/** What the poll threw (n8n records it as a failed execution; the trigger stays active). */
	error?: Error & { description?: string | null; httpCode?: string | null };
	/** Whether n8n would have written static data to its database after this poll. */
	saved: boolean;
}

export class PollSession {
	private workflow!: Workflow;
	private saved: string;
	/** Everything the trigger emitted, poll after poll. */
	readonly emitted: IDataObject[] = [];

	constructor(
		private readonly workflowJson: WorkflowJson,
		private readonly options: PollSessionOptions,
	) {
		const initial = options.savedStaticData ?? workflowJson.staticData ?? {};
		this.saved = typeof initial === 'string' ? initial : JSON.stringify(initial);
		this.restart();
	}

	/** n8n restarts (or the workflow is re-activated): only what was saved survives. */
	restart(): void {
		this.workflow = buildWorkflow(this.workflowJson, JSON.parse(this.saved) as IDataObject);
	}

	/** The static data n8n's database holds now, as JSON (give it to a new session to "restore" it). */
	get savedStaticData(): string {
		return this.saved;
	}

	/** The static data of the running workflow (what the next poll reads in legacy mode), as JSON. */
	get liveStaticData(): string {
		return JSON.stringify(this.workflow.staticData);
	}

	/** The trigger node's bucket (`node:<name>`) of the saved or the live static data. */
	nodeStaticData(which: 'saved' | 'live' = 'saved'): IDataObject {
		const root = JSON.parse(which === 'saved' ? this.saved : this.liveStaticData) as IDataObject;
		return (root[this.bucketKey()] as IDataObject | undefined) ?? {};
	}

	private node(): INode {
		const name =
			this.options.nodeName ??
			Object.values(this.workflow.nodes).find(
				(node) => this.workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion).description.polling,
			)?.name;
		const node = name === undefined ? undefined : this.workflow.getNode(name);
		if (!node) throw new Error('The workflow has no polling node');
		return node;
	}

	private bucketKey(): string {
		return `node:${this.node().name}`;
	}

	/** One poll, as n8n's poller runs it (`trigger`) or as "Fetch Test Event" does (`manual`). */
	async poll(mode: Extract<WorkflowExecuteMode, 'trigger' | 'manual'> = 'trigger'): Promise<PollOutcome> {
		const node = this.node();
		const nodeType = this.workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
		if (!nodeType.poll) throw new Error(`${node.name} has no poll()`);
		const durable = (this.options.persistence ?? 'legacy') === 'durable' && mode === 'trigger';
		const key = this.bucketKey();
		let saved = false;
		let staged: IDataObject | undefined;

		const commitStaged = () => {
			if (!staged) return;
			const root = JSON.parse(this.saved) as IDataObject;
			root[key] = staged;
			this.saved = JSON.stringify(root);
			saved = true;
		};
		const saveIfChanged = () => {
			// n8n's WorkflowStaticDataService.saveStaticData
			const staticData = this.workflow.staticData;
			if (staticData.__dataChanged === true) {
				this.saved = JSON.stringify(staticData);
				staticData.__dataChanged = false;
				saved = true;
			}
		};
		const emit = (data: INodeExecutionData[][]) => {
			if (mode !== 'trigger') return;
			if (durable) commitStaged();
			else saveIfChanged();
			this.emitted.push(...(data[0] ?? []).map((item) => item.json));
		};
		const context = new PollContext(
			this.workflow,
			node,
			additionalDataFor(this.options.credentials),
			mode,
			mode === 'manual' ? 'manual' : (this.options.activation ?? 'activate'),
			emit,
			() => undefined,
			async () => {
				if (durable) commitStaged();
			},
			undefined,
			durable
				? () => (staged ??= JSON.parse(JSON.stringify(JSON.parse(this.saved)[key] ?? {})) as IDataObject)
				: undefined,
			() => this.options.pollBudgetMs ?? 5 * 60_000,
		);

		try {
			const result = await nodeType.poll.call(context);
			if (result !== null) context.__emit(result);
			else if (mode === 'trigger') await context.__commitCursor();
			const items = result?.[0] ?? null;
			return { items, json: (items ?? []).map((item) => item.json), saved };
		} catch (error) {
			if (mode === 'trigger') context.__emitError(error as Error);
			return { items: null, json: [], error: error as PollOutcome['error'], saved };
		}
	}
}
