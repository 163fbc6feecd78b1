// SPDX-License-Identifier: GPL-2.0

//! KUnit tests for `ptep_test_and_clear_flags()`, the paravirt MMU operation that clears
//! flag bits of a live page-table entry, and for the page-table pinning order of
//! `fork()`/`exec()`/`exit()` under Xen PV.
//!
//! The same suites run natively and as a Xen PV guest; a case that does not apply to the
//! environment is reported as skipped, with the reason.

use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    bindings,
    ffi::c_ulong,
    mm::{
        pte::{LockedPte, PteFlags},
        MmWithUser, MmapReadGuard,
    },
    prelude::*,
    uaccess::{UserPtr, UserSlice},
};

const PAGE_SIZE: usize = kernel::page::PAGE_SIZE;

/// Prefix of this file's `pr_*!` messages (there is no `module!` to define it).
const __LOG_PREFIX: &[u8] = b"ptep_flags_kunit\0";

/// Marks the running KUnit case as skipped, with `reason`.
fn skip(reason: &CStr) {
    // SAFETY: `kunit_get_current_test()` may be called from any context.
    let test = unsafe { bindings::kunit_get_current_test() };
    if !test.is_null() {
        // SAFETY: `test` is the running test, and `reason` is a valid NUL-terminated string
        // that outlives the call (KUnit copies it).
        unsafe { bindings::kunit_mark_skipped_reason(test, reason.as_char_ptr()) };
    }
}

/// Returns the number of online CPUs.
fn online_cpus() -> u32 {
    // SAFETY: `ptep_test_online_cpus()` only reads a counter.
    unsafe { bindings::ptep_test_online_cpus() }
}

/// Returns whether the kernel runs as a Xen PV guest.
fn xen_pv() -> bool {
    // SAFETY: `ptep_test_xen_pv()` only reads boot-time state.
    unsafe { bindings::ptep_test_xen_pv() }
}

/// Counters kept by the test-only hooks (`CONFIG_PTEP_TEST_HOOKS`).
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    rmap_ptes: isize,
    rmap_unpinned: isize,
    op_inplace: isize,
    op_hypercall: isize,
}

impl Stats {
    fn read() -> Self {
        let mut s = Self::default();
        // SAFETY: The four pointers are valid for writes for the duration of the call.
        unsafe {
            bindings::ptep_test_stats_read(
                &mut s.rmap_ptes,
                &mut s.rmap_unpinned,
                &mut s.op_inplace,
                &mut s.op_hypercall,
            )
        };
        s
    }
}

/// Counters of Xen PV's batching of page-table type changes (`CONFIG_PTEP_TEST_HOOKS`).
#[derive(Debug, Default, Clone, Copy)]
struct PtStats {
    pooled: isize,
    pool_refills: isize,
    deferred: isize,
    remapped: isize,
    remap_passes: isize,
    released: isize,
    tree_unpins: isize,
}

impl PtStats {
    fn read() -> Self {
        let mut s = Self::default();
        // SAFETY: The seven pointers are valid for writes for the duration of the call.
        unsafe {
            bindings::ptep_test_pt_stats_read(
                &mut s.pooled,
                &mut s.pool_refills,
                &mut s.deferred,
                &mut s.remapped,
                &mut s.remap_passes,
                &mut s.released,
                &mut s.tree_unpins,
            )
        };
        s
    }
}

/// A fresh user address space, pinned the way `fork()` pins one, used by this kthread until
/// dropped.
struct TestMm {
    mm: *mut bindings::mm_struct,
}

impl TestMm {
    fn attach() -> Result<Self> {
        // SAFETY: Called from a KUnit kthread without an mm, as the hook requires; it returns
        // null on failure.
        let mm = unsafe { bindings::ptep_test_mm_attach() };
        if mm.is_null() {
            return Err(ENOMEM);
        }
        Ok(Self { mm })
    }

    fn mm(&self) -> &MmWithUser {
        // SAFETY: `self.mm` has a user reference (from `mm_alloc()`) until `drop`.
        unsafe { MmWithUser::from_raw(self.mm) }
    }

    /// Maps `npages` anonymous read-write pages and returns their address.
    fn map(&self, npages: usize) -> Result<usize> {
        // SAFETY: This kthread uses `self.mm`, into which `vm_mmap()` maps.
        let addr = unsafe { bindings::ptep_test_mmap(npages * PAGE_SIZE) };
        if addr == 0 {
            return Err(ENOMEM);
        }
        Ok(addr)
    }

    /// Maps `npages` anonymous private pages at `addr`, read-write or read-only, replacing
    /// what was mapped there: a vma of their own inside an earlier mapping.
    fn map_fixed(&self, addr: usize, npages: usize, writable: bool) -> Result {
        // SAFETY: This kthread uses `self.mm`, into which `vm_mmap()` maps.
        let ret = unsafe { bindings::ptep_test_mmap_fixed(addr, npages * PAGE_SIZE, writable) };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }

    /// Reads the first byte of each of `npages` pages at `addr`, returning their sum.
    fn read(&self, addr: usize, npages: usize) -> Result<usize> {
        let mut sum = 0;
        for i in 0..npages {
            let mut b = [0u8; 1];
            let mut r = UserSlice::new(UserPtr::from_addr(addr + i * PAGE_SIZE), 1).reader();
            r.read_slice(&mut b)?;
            sum += usize::from(b[0]);
        }
        Ok(sum)
    }

    /// Writes `byte` to the first byte of each of `npages` pages at `addr`.
    fn touch(&self, addr: usize, npages: usize, byte: u8) -> Result {
        for i in 0..npages {
            let mut w = UserSlice::new(UserPtr::from_addr(addr + i * PAGE_SIZE), 1).writer();
            w.write_slice(&[byte])?;
        }
        Ok(())
    }
}

impl TestMm {
    /// Flushes the TLBs of every CPU for this mm.
    fn flush_tlb(&self) {
        // SAFETY: `self.mm` is a live mm with a user reference until `drop`.
        unsafe { bindings::ptep_test_flush_tlb_mm(self.mm) };
    }

    /// Runs reclaim's rmap walk (`folio_referenced()`) on the page this mm maps at `addr`
    /// and returns the number of young ptes it found (and cleared).
    fn rmap_walk(&self, addr: usize) -> Result<i32> {
        // SAFETY: This kthread uses `self.mm`, which the hook looks `addr` up in.
        let refs = unsafe { bindings::ptep_test_rmap_walk(addr) };
        if refs < 0 {
            return Err(Error::from_errno(refs));
        }
        Ok(refs)
    }
}

impl Drop for TestMm {
    fn drop(&mut self) {
        // SAFETY: `self.mm` was attached to this kthread by `attach()` and is detached once.
        unsafe { bindings::ptep_test_mm_detach(self.mm) };
    }
}

/// A kthread on another CPU that keeps writing to pages of a [`TestMm`] until stopped.
struct Writer<'a> {
    /// The running writer; `None` once stopped.
    w: Option<NonNull<bindings::ptep_test_writer>>,
    _mm: PhantomData<&'a TestMm>,
}

impl<'a> Writer<'a> {
    /// Starts writing to the `npages` pages at `addr` of `t`.
    fn start(t: &'a TestMm, addr: usize, npages: usize) -> Result<Self> {
        // SAFETY: `t.mm` stays attached, with a user reference, while `t` is borrowed, which
        // outlasts the writer (stopped on drop at the latest).
        let w = unsafe { bindings::ptep_test_writer_start(t.mm, addr, npages as c_ulong) };
        Ok(Self {
            w: Some(NonNull::new(w).ok_or(ENOMEM)?),
            _mm: PhantomData,
        })
    }

    /// Returns how many times the writer went over all its pages so far (0 once stopped).
    fn rounds(&self) -> isize {
        match self.w {
            // SAFETY: `w` is a running writer: it is taken out of `self.w` when stopped.
            Some(w) => unsafe { bindings::ptep_test_writer_rounds(w.as_ptr()) },
            None => 0,
        }
    }

    /// Stops the writer, if it still runs, and returns its final count of rounds.
    fn stop(&mut self) -> isize {
        match self.w.take() {
            // SAFETY: `w` was returned by `ptep_test_writer_start()` and is stopped once: it
            // was just taken out of `self.w`.
            Some(w) => unsafe { bindings::ptep_test_writer_stop(w.as_ptr()) },
            None => 0,
        }
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Locks the pte of `addr` and checks that it is present.
fn present_pte<'a>(guard: &'a mut MmapReadGuard<'_>, addr: usize) -> Result<LockedPte<'a>> {
    let pte = guard.lock_pte(addr).ok_or(ENOENT)?;
    if !pte.is_present() {
        return Err(EINVAL);
    }
    Ok(pte)
}

/// Runs `f` and returns how many ptes this kthread stored into pinned page tables meanwhile.
fn pinned_stores(f: impl FnOnce()) -> isize {
    // SAFETY: No precondition; the count is this kthread's own.
    unsafe { bindings::ptep_test_pinned_stores_begin() };
    f();
    // SAFETY: Ends the count begun above, on the same kthread.
    unsafe { bindings::ptep_test_pinned_stores_end() }
}

/// Clears Accessed and Dirty bits of a pte of this file's test mappings through the op.
///
/// The tests need the op itself, not only the safe young clearing: they check which bits it
/// returns and clears, Dirty included.
fn clear_test_flags(pte: &mut LockedPte<'_>, flags: PteFlags) -> PteFlags {
    let ad = PteFlags::ACCESSED | PteFlags::DIRTY;
    // SAFETY: Only Accessed and Dirty are cleared (`flags` is masked).  The ptes are those of a
    // `TestMm`: private anonymous pages of this kthread's own mm, never `MADV_FREE`d and not
    // shadow-stack entries, and no test reads back data it relies on from a page whose Dirty
    // bit it cleared, so a page dropped by reclaim (one in the swap cache) loses nothing a
    // test needs.  The callers that need the MMU to set a bit again flush the TLB first
    // (`TestMm::flush_tlb()`).
    unsafe { pte.test_and_clear_flags(flags.intersection(ad)) }
}

#[kunit_tests(ptep_flags_semantics)]
mod semantics {
    use super::*;

    const AD: PteFlags = PteFlags::ACCESSED.union(PteFlags::DIRTY);

    /// Clearing Accessed on a touched pte returns Accessed, clears it and nothing else, and a
    /// second call returns nothing and writes nothing.  (The values are collected under the
    /// page-table lock and asserted once it is dropped: a failed KUnit assertion ends the case
    /// at once, without running destructors.)
    #[test]
    fn clears_exactly_the_requested_bits() -> Result {
        let t = TestMm::attach()?;
        let addr = t.map(4)?;
        t.touch(addr, 4, 0x5a)?;
        let mut guard = t.mm().mmap_read_lock();
        let mut pte = present_pte(&mut guard, addr)?;
        let before = pte.raw();
        let ad_before = pte.flags(AD);
        let first = clear_test_flags(&mut pte, PteFlags::ACCESSED);
        let after = pte.raw();
        let second = clear_test_flags(&mut pte, PteFlags::ACCESSED);
        let after_second = pte.raw();
        drop(pte);
        drop(guard);

        // A written page must be young and dirty.
        assert_eq!(ad_before, AD);
        assert_eq!(first, PteFlags::ACCESSED);
        // Accessed cleared, nothing else: Dirty and RW are still set.
        assert_eq!(after, before & !PteFlags::ACCESSED.bits());
        assert!(after & PteFlags::DIRTY.bits() != 0);
        assert!(after & PteFlags::RW.bits() != 0);
        // Idempotent: nothing left to clear, nothing written.
        assert_eq!(second, PteFlags::EMPTY);
        assert_eq!(after_second, after);
        Ok(())
    }

    /// Asking for several bits returns exactly those that were set.
    #[test]
    fn returns_only_bits_that_were_set() -> Result {
        let t = TestMm::attach()?;
        let addr = t.map(2)?;
        t.touch(addr, 2, 1)?;
        let mut guard = t.mm().mmap_read_lock();

        let mut p0 = present_pte(&mut guard, addr)?;
        let before0 = p0.raw();
        let got0 = clear_test_flags(&mut p0, AD);
        let after0 = p0.raw();
        drop(p0);

        // Only Dirty set: asking for both returns Dirty alone.
        let mut p1 = present_pte(&mut guard, addr + PAGE_SIZE)?;
        let young1 = p1.test_and_clear_young();
        let before1 = p1.raw();
        let got1 = clear_test_flags(&mut p1, AD);
        let after1 = p1.raw();
        drop(p1);
        drop(guard);

        assert_eq!(got0, AD);
        assert_eq!(after0, before0 & !AD.bits());
        assert!(young1);
        assert_eq!(got1, PteFlags::DIRTY);
        assert_eq!(after1, before1 & !PteFlags::DIRTY.bits());
        // Flags that are not asked for are never touched.
        let pr = (PteFlags::PRESENT | PteFlags::RW).bits();
        assert_eq!(after1 & pr, pr);
        Ok(())
    }
}

#[kunit_tests(ptep_flags_no_lost_dirty)]
mod no_lost_dirty {
    use super::*;

    const NPAGES: usize = 64;
    const CYCLES: usize = 16;

    /// Makes every page clean and flushes the TLBs, so that the next write to each page must
    /// set Dirty through the MMU.  (Helpers must not use `assert!`: only the test functions'
    /// assertions are turned into KUnit assertions; elsewhere they would panic.)
    fn make_clean(t: &TestMm, addr: usize) -> Result {
        let mut guard = t.mm().mmap_read_lock();
        for i in 0..NPAGES {
            let mut pte = present_pte(&mut guard, addr + i * PAGE_SIZE)?;
            // The writer may dirty it again at once: that is fine.
            clear_test_flags(&mut pte, PteFlags::DIRTY);
        }
        drop(guard);
        t.flush_tlb();
        Ok(())
    }

    /// Counts the pages whose pte is clean.
    fn count_clean(t: &TestMm, addr: usize) -> Result<usize> {
        let mut guard = t.mm().mmap_read_lock();
        let mut clean = 0;
        for i in 0..NPAGES {
            if present_pte(&mut guard, addr + i * PAGE_SIZE)?
                .flags(PteFlags::DIRTY)
                .is_empty()
            {
                clean += 1;
            }
        }
        Ok(clean)
    }

    /// Another CPU keeps writing to every page while this one clears Accessed on them
    /// through the op in a loop.  In each cycle the pages start clean with no TLB entry, so
    /// each one's first write sets Dirty through the MMU while the op may be clearing
    /// Accessed in the same pte; after the writer has gone over all pages twice, every page
    /// must be dirty.
    #[test]
    fn dirty_survives_concurrent_young_clearing() -> Result {
        if online_cpus() < 2 {
            skip(c"needs a second CPU to write concurrently");
            return Ok(());
        }
        let t = TestMm::attach()?;
        let addr = t.map(NPAGES)?;
        t.touch(addr, NPAGES, 0)?;

        let mut w = Writer::start(&t, addr, NPAGES)?;
        let (mut cleared, mut lost) = (0u64, 0usize);
        for _ in 0..CYCLES {
            make_clean(&t, addr)?;
            let r0 = w.rounds();
            while w.rounds() < r0 + 2 {
                let mut guard = t.mm().mmap_read_lock();
                for i in 0..NPAGES {
                    let mut pte = present_pte(&mut guard, addr + i * PAGE_SIZE)?;
                    if pte.test_and_clear_young() {
                        cleared += 1;
                    }
                }
            }
            lost += count_clean(&t, addr)?;
        }
        let rounds = w.stop();
        pr_info!(
            "no_lost_dirty: {} cycles, writer rounds {}, Accessed bits cleared {}, Dirty lost {}\n",
            CYCLES,
            rounds,
            cleared,
            lost
        );
        // The writer went over every page at least twice per cycle.
        assert!(rounds >= 2 * CYCLES as isize);
        // Accessed bits were cleared while it ran: the race was exercised.
        assert!(cleared >= CYCLES as u64);
        assert_eq!(lost, 0);
        Ok(())
    }
}

#[kunit_tests(ptep_flags_xen_states)]
mod xen_states {
    use super::*;

    /// What the op did to a scratch pte page.
    struct Outcome {
        err: i32,
        ret: bindings::pteval_t,
        before: bindings::pteval_t,
        after: bindings::pteval_t,
        inplace: isize,
        hypercalls: isize,
    }

    /// Runs the op, clearing Accessed, on a scratch pte page in `state`; `None` (and the case
    /// marked skipped) when not running as a Xen PV guest.
    fn run(state: bindings::ptep_test_l1_state) -> Option<Outcome> {
        if !xen_pv() {
            skip(c"not a Xen PV guest: pte pages have no pin state");
            return None;
        }
        let (mut ret, mut before, mut after) = (0, 0, 0);
        let s0 = Stats::read();
        // SAFETY: The three pointers are valid for writes for the duration of the call.
        let err = unsafe {
            bindings::ptep_test_xen_l1(
                state,
                PteFlags::ACCESSED.bits(),
                &mut ret,
                &mut before,
                &mut after,
            )
        };
        let s1 = Stats::read();
        Some(Outcome {
            err,
            ret,
            before,
            after,
            inplace: s1.op_inplace - s0.op_inplace,
            hypercalls: s1.op_hypercall - s0.op_hypercall,
        })
    }

    /// What the op did: error, returned bits, entry after, Dirty kept, and the path taken as
    /// (in place, by hypercall).
    type Observed = (
        i32,
        bindings::pteval_t,
        bindings::pteval_t,
        bool,
        (isize, isize),
    );

    fn observed(o: &Outcome) -> Observed {
        (
            o.err,
            o.ret,
            o.after,
            o.after & PteFlags::DIRTY.bits() != 0,
            (o.inplace, o.hypercalls),
        )
    }

    /// What a correct op does: Accessed returned and cleared, nothing else touched, Dirty kept.
    fn expected(o: &Outcome, by_hypercall: bool) -> Observed {
        let a = PteFlags::ACCESSED.bits();
        let path = if by_hypercall { (0, 1) } else { (1, 0) };
        (0, a, o.before & !a, true, path)
    }

    /// The pte page is writable: the cmpxchg runs natively.
    #[test]
    fn writable_pte_page() {
        if let Some(o) = run(bindings::ptep_test_l1_state_PTEP_TEST_L1_WRITABLE) {
            assert_eq!(observed(&o), expected(&o, false));
        }
    }

    /// Read-only but not pinned, the window of the 2007 race: a raw locked write faults here,
    /// the op falls back to a hypercall.
    #[test]
    fn read_only_unpinned_pte_page() {
        if let Some(o) = run(bindings::ptep_test_l1_state_PTEP_TEST_L1_RO_UNPINNED) {
            assert_eq!(observed(&o), expected(&o, true));
        }
    }

    /// Pinned: Xen traps and emulates the cmpxchg.
    #[test]
    fn pinned_pte_page() {
        if let Some(o) = run(bindings::ptep_test_l1_state_PTEP_TEST_L1_PINNED) {
            assert_eq!(observed(&o), expected(&o, false));
        }
    }
}

#[kunit_tests(ptep_flags_ordering)]
mod ordering {
    use super::*;

    const NPAGES: usize = 8;

    /// No rmap walk ever met a pte page that was not pinned.
    ///
    /// The case makes rmap walks of its own (reclaim's `folio_referenced()` on pages of a
    /// pinned mm), so it checks something at boot; the stress selftest runs it again through
    /// debugfs after its fork/exec/exit storm, so that the walks of the storm are checked too.
    #[test]
    fn rmap_walks_never_meet_unpinned_pte_pages() -> Result {
        if !xen_pv() {
            skip(c"not a Xen PV guest: pte pages are never pinned");
            return Ok(());
        }
        let t = TestMm::attach()?;
        let addr = t.map(NPAGES)?;
        t.touch(addr, NPAGES, 7)?;
        let s0 = Stats::read();
        let mut young = 0;
        for i in 0..NPAGES {
            young += t.rmap_walk(addr + i * PAGE_SIZE)?;
        }
        let s1 = Stats::read();
        pr_info!(
            "ordering: {} pte pages locked by rmap walks, {} of them unpinned\n",
            s1.rmap_ptes,
            s1.rmap_unpinned
        );
        // Every page was written, so every walk found a young pte, and cleared it.
        assert_eq!(young, NPAGES as i32);
        // ... through the pv op: on Xen PV the young-clearing `lock btr` is patched into a
        // jump to it (a native `lock btr` would be trapped and emulated, and not counted).
        let by_op = (s1.op_inplace - s0.op_inplace) + (s1.op_hypercall - s0.op_hypercall);
        assert!(by_op >= NPAGES as isize);
        assert!(s1.rmap_ptes - s0.rmap_ptes >= NPAGES as isize);
        assert_eq!(s1.rmap_unpinned, 0);
        Ok(())
    }
}

#[kunit_tests(ptep_flags_xen_batching)]
mod xen_batching {
    use super::*;

    /// The memory one pte table maps.
    const TABLE_SPAN: usize = 512 * PAGE_SIZE;
    /// Distinct pte tables the case makes its mm allocate.
    const NTABLES: usize = 4;

    /// Pte tables come pinned from the pool, and a dying mm's page tables are made writable
    /// together.
    ///
    /// Faulting one page in each of `NTABLES` 2 MiB windows makes the mm allocate that many
    /// pte tables, each of which must come from the pool of tables Xen pins in batches.
    /// Dropping the mm zaps each of them whole: each is unpinned on its own as the zap unlinks
    /// it, and its release into the full-mm gather must leave it read-only for
    /// `tlb_release_tables` to make them writable in one or two passes (the first table a
    /// gather frees, before it has a table batch, is released at once).  The rest of the tree
    /// (pgd, pud and pmd tables) must be unpinned in one pass once every vma is unlinked, with
    /// no upper-level table released on its own.  Run at boot, when nothing else allocates or
    /// frees page tables.
    ///
    /// A zap that must reschedule (`need_resched()`) stops and clears the ptes of its table
    /// instead of dropping it, as it should, and the tree unpin then takes that table: so up
    /// to `ATTEMPTS` mms are tried, and in one every table must be released on its own.
    /// Without the whole-table drop no attempt releases any.
    #[test]
    fn page_table_type_changes_are_batched() -> Result {
        const ATTEMPTS: usize = 5;

        if !xen_pv() {
            skip(c"not a Xen PV guest: no page-table pinning to batch");
            return Ok(());
        }
        let mut released = 0;
        for attempt in 1..=ATTEMPTS {
            let p0 = PtStats::read();
            let t = TestMm::attach()?;
            let addr = t.map((NTABLES + 1) * TABLE_SPAN / PAGE_SIZE)?;
            // Consecutive 2 MiB windows: each of these pages has a pte table of its own.
            for i in 0..NTABLES {
                t.touch(addr + i * TABLE_SPAN, 1, 1)?;
            }
            let p1 = PtStats::read();
            drop(t);
            let p2 = PtStats::read();
            released = p2.released - p1.released;
            pr_info!(
                "xen_batching (attempt {}): {} pte tables from the pool ({} refills); at exit \
                 {} tables released one by one, {} of them deferred, {} made writable in {} \
                 passes, {} tree unpins\n",
                attempt,
                p1.pooled - p0.pooled,
                p1.pool_refills - p0.pool_refills,
                released,
                p2.deferred - p1.deferred,
                p2.remapped - p1.remapped,
                p2.remap_passes - p1.remap_passes,
                p2.tree_unpins - p1.tree_unpins
            );
            assert!(p1.pooled - p0.pooled >= NTABLES as isize);
            // Batches of 16: a pool that pinned its tables one by one would refill for each.
            assert!(p1.pool_refills - p0.pool_refills <= (p1.pooled - p0.pooled + 15) / 16);
            assert_eq!(p2.remapped - p1.remapped, p2.deferred - p1.deferred);
            assert_eq!(p2.tree_unpins - p1.tree_unpins, 1);
            if released == NTABLES as isize {
                assert!(p2.deferred - p1.deferred >= NTABLES as isize - 1);
                assert!(p2.remap_passes - p1.remap_passes >= 1);
                assert!(p2.remap_passes - p1.remap_passes <= 2);
                break;
            }
        }
        assert_eq!(released, NTABLES as isize);
        Ok(())
    }

    /// A pte table two vmas share is dropped whole at exit, none of its ptes cleared.
    ///
    /// The lower half of a 2 MiB window is the end of a read-write mapping, the upper half a
    /// read-only one of its own: one pte table, two vmas.  `NPAGES` pages are written in the
    /// first and `NPAGES` read (zero page) in the second.  The zap of the first vma must zap
    /// the second's ptes in that table too and drop the table whole (released, as one pinned
    /// table, and unpinned in one pass): the exiting task then stores no pte into a pinned
    /// table.  Zapping the first vma alone would clear its `NPAGES` ptes one by one, each an
    /// `mmu_update`, before the second vma's zap drops the table.
    ///
    /// A zap that must reschedule (`need_resched()`) stops and clears the ptes instead, as it
    /// should: so up to `ATTEMPTS` exits are tried, and one must drop the table whole.
    /// Without the whole-table drop every attempt stores `NPAGES` ptes.
    #[test]
    fn shared_pte_table_is_dropped_whole() -> Result {
        const NPAGES: usize = 8;
        const HALF: usize = TABLE_SPAN / 2;
        const ATTEMPTS: usize = 5;

        if !xen_pv() {
            skip(c"not a Xen PV guest: no pinned pte tables");
            return Ok(());
        }
        let mut stores = 0;
        for attempt in 1..=ATTEMPTS {
            let t = TestMm::attach()?;
            let base = t.map(2 * TABLE_SPAN / PAGE_SIZE)?;
            let window = (base + TABLE_SPAN - 1) & !(TABLE_SPAN - 1);
            t.map_fixed(window + HALF, HALF / PAGE_SIZE, false)?;
            t.touch(window + HALF - NPAGES * PAGE_SIZE, NPAGES, 7)?;
            assert_eq!(t.read(window + HALF, NPAGES)?, 0);
            {
                let mut guard = t.mm().mmap_read_lock();
                for i in 0..NPAGES {
                    present_pte(&mut guard, window + HALF - (i + 1) * PAGE_SIZE)?;
                    present_pte(&mut guard, window + HALF + i * PAGE_SIZE)?;
                }
            }
            let p1 = PtStats::read();
            stores = pinned_stores(|| drop(t));
            let p2 = PtStats::read();
            pr_info!(
                "xen_batching: exit of two vmas sharing a pte table (attempt {}): {} ptes \
                 stored into pinned tables, {} tables released one by one, {} tree unpins\n",
                attempt,
                stores,
                p2.released - p1.released,
                p2.tree_unpins - p1.tree_unpins
            );
            if stores == 0 {
                assert_eq!(p2.released - p1.released, 1);
                assert_eq!(p2.tree_unpins - p1.tree_unpins, 1);
                break;
            }
        }
        assert_eq!(stores, 0);
        Ok(())
    }
}
