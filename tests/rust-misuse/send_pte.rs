// SPDX-License-Identifier: GPL-2.0
// expect: E0277
//! Sending a locked entry to another task, which would release a spinlock it did not take.
use kernel::mm::pte::LockedPte;

fn assert_send<T: Send>() {}

/// Does not compile: `LockedPte` is not `Send`.
pub fn send() {
    assert_send::<LockedPte<'static>>();
}
