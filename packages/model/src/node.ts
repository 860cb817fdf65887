// @microgpt/model/node: everything in @microgpt/model plus the helpers that need Node's file system.
export * from './index';
export { writeFileAtomic } from './checkpoint/atomic-write';
export { type CheckpointDescription, describeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint/folder';
