import { describe, expect, it } from 'vitest';
import { adapterName, isSoftwareAdapter } from './device';

describe('adapterName', () => {
  const base = { vendor: 'google', architecture: 'swiftshader', device: '', description: '' };
  it('is the description with vendor, architecture and device, or those alone, empty parts left out', () => {
    expect(adapterName(base)).toBe('google swiftshader');
    expect(adapterName({ ...base, description: 'SwiftShader driver 5.0.0' })).toBe('SwiftShader driver 5.0.0 (google swiftshader)');
    expect(adapterName({ vendor: 'nvidia', architecture: '', device: '0x2684', description: 'NVIDIA GeForce RTX 4090' })).toBe('NVIDIA GeForce RTX 4090 (nvidia 0x2684)');
    expect(adapterName({ ...base, vendor: '', architecture: '' })).toBe('unnamed adapter');
  });
});

describe('isSoftwareAdapter', () => {
  it('is true for SwiftShader and for an adapter that says it is a fallback', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'microsoft', architecture: '', device: '', description: 'WARP', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ada', device: '', description: '', isFallbackAdapter: false })).toBe(false);
  });
});
