/**
 * Where the function's kit comes from. With the optional layer attached, Lambda puts
 * `/opt/nodejs/node_modules` on NODE_PATH and `model-share-kit` resolves to the layer's copy;
 * the function uses it when it speaks the same KIT_API_VERSION. Otherwise (no layer, or a layer
 * of another interface version) it uses the copy bundled into its own zip, built from the same
 * source. Either way the behaviour is the same; the cold-start log says which one runs.
 */
import { createRequire } from "node:module";
import { KIT } from "./contract";
import * as bundled from "./kit";

export type Kit = typeof bundled;
export type KitSource = "layer" | "bundled";

/** The layer's kit when present and compatible, else the bundled one. */
export function loadKit(resolveFrom: string = __filename): { kit: Kit; source: KitSource } {
  try {
    // Not a static import: esbuild must leave this require to run time (it is the layer's module).
    const fromLayer = createRequire(resolveFrom)(KIT.moduleName) as Partial<Kit>;
    if (fromLayer.KIT_API_VERSION === bundled.KIT_API_VERSION) return { kit: fromLayer as Kit, source: "layer" };
  } catch {
    // No layer attached: the module does not resolve.
  }
  return { kit: bundled, source: "bundled" };
}
