/**
 * How a ComfyUI device is named to people. ComfyUI's /system_stats reports every device's memory as
 * `vram_total`/`vram_free`, but on a CPU (`--cpu`) that is the machine's RAM, and on Apple silicon (`mps`) the
 * memory the GPU shares with the system: calling it VRAM would promise a GPU that is not there.
 */

/** What a device's reported memory is: its own video memory, or memory it shares with the system. */
export type DeviceMemory = 'VRAM' | 'RAM' | 'unified memory';

export function deviceMemory(type: string): DeviceMemory {
  switch (type.toLowerCase()) {
    case 'cpu':
      return 'RAM';
    case 'mps':
      return 'unified memory';
    default:
      return 'VRAM';
  }
}

/** "CPU" for the CPU (ComfyUI names it plain "cpu"), the device's own name otherwise. */
export function deviceTitle(device: { name: string; type: string }): string {
  return device.type.toLowerCase() === 'cpu' ? 'CPU' : device.name;
}
