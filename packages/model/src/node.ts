// @microgpt/model/node: everything in @microgpt/model plus the helpers that need Node's file system.
export * from './index';
export { type CheckpointDescription, describeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint/folder';
export { writeAtomically, writeFileAtomic } from './checkpoint/atomic-write';
export { type CachedTokenFileOptions, type OpenTokenFileOptions, type TokenFileReader, cachedTokenFile, openTokenFile, textChunks, writeTokenFile } from './data/token-file-node';
