// Where Dawn finds a Vulkan driver on a Linux machine without a GPU: Chromium's SwiftShader. Imports nothing of
// the backend, so that a test config can use it before any test code loads.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Debian's Chromium ships SwiftShader's Vulkan driver (ICD) and a Vulkan loader here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The environment variables a Node process must be started with for Dawn to use SwiftShader from `icd`: the
 * driver manifest and the directory of Chromium's Vulkan loader (read by the dynamic linker at process start, so
 * setting them inside a running process is too late). Empty when the manifest does not exist, or when `env`
 * already names a Vulkan driver.
 */
export function swiftShaderEnv(env: Record<string, string | undefined> = process.env, icd = SWIFTSHADER_ICD): Record<string, string> {
  if (env.VK_ICD_FILENAMES || !existsSync(icd)) return {};
  const library = dirname(icd);
  return { VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: env.LD_LIBRARY_PATH ? `${library}:${env.LD_LIBRARY_PATH}` : library };
}
