// @microgpt/model/node: everything in @microgpt/model plus the helpers that need Node's file system.
export * from './index';
export { type CheckpointDescription, describeCheckpoint, loadCheckpoint, readCheckpointFolder, saveCheckpoint, writeCheckpointFolder } from './checkpoint/folder';
export { writeAtomically, writeFileAtomic, writeFolderAtomic } from './checkpoint/atomic-write';
export { type RunCheckpoint, type RunFolderContents, type SaveRunCheckpointOptions, checkpointFolderName, clearRunFolder, listCheckpoints, removeCheckpointFolder, removeStaleTemps, resolveCheckpoint, runFolderContents, saveRunCheckpoint } from './checkpoint/run-folder';
export { LOCK_FILE, type LockOwner, type RunLock, lockRunFolder } from './checkpoint/run-lock';
export { type CachedTokenFileOptions, type OpenTokenFileOptions, type TokenFileReader, cachedTokenFile, openTokenFile, textChunks, writeTokenFile } from './data/token-file-node';
export { type HuggingFaceDescription, describeHuggingFaceFolder, isHuggingFaceFolder, loadHuggingFaceFolder, saveHuggingFaceFolder } from './hf/folder';
