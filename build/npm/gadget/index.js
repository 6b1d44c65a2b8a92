// SPDX-License-Identifier: Apache-2.0
// finesse-ha/gadget: the Finesse gadget loader as an ES module, for gadgets
// built with a bundler. The two files are classic scripts (the Finesse
// desktop loads them with <script src>, see finesse-ha.xml); imported in this
// order they define globalThis.finesseHAGadget, as on the desktop.
import './desktop-follower.js';
import './gadget.js';

const gadget = globalThis.finesseHAGadget;

export const { createDesktopFollower, mapDesktopStatus, STATUS_MAP, start } = gadget;
export default gadget;
