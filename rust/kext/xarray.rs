// SPDX-License-Identifier: GPL-2.0
//! XArrays that allocate their indices, holding Rust objects.
//!
//! Upstream: `kernel::xarray` (6.16) has `XArray<T: ForeignOwnable>` with
//! `lock()` returning a `Guard` whose `get`/`store`/`remove` work under
//! the xarray's spinlock; this follows its names and shape and adds what
//! upstream lacks and cachefiles' on-demand requests need: cyclic index
//! allocation, marks, marked search, and data the lock protects beside
//! the entries (like a `SpinLock<D>`). [`IdAlloc`] is an allocating xarray
//! used only to hand out unique ids (C stores NULL entries for that).

use core::{cell::UnsafeCell, marker::PhantomData, ptr};
use kernel::{
    bindings,
    error::to_result,
    ffi::c_void,
    prelude::*,
    types::{ForeignOwnable, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/xarray.c
    fn fsrs_xa_init_alloc(xa: *mut bindings::xarray, from_one: bool);
    fn fsrs_xa_lock(xa: *mut bindings::xarray);
    fn fsrs_xa_unlock(xa: *mut bindings::xarray);
    fn fsrs_xa_empty(xa: *const bindings::xarray) -> bool;
}

/// GFP_KERNEL: allocations may sleep (the lock is dropped for them).
const GFP_KERNEL_RAW: bindings::gfp_t = bindings::GFP_KERNEL;

/// A search mark (`xa_mark_t`). Mark 0 is the allocator's free mark in an
/// allocating xarray, so users get marks 1 and 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark(bindings::xa_mark_t);

impl Mark {
    /// `XA_MARK_1`.
    pub const M1: Mark = Mark(1);
    /// `XA_MARK_2`.
    pub const M2: Mark = Mark(2);
    /// `XA_PRESENT`: any present entry (a search "mark" only).
    const PRESENT: bindings::xa_mark_t = 8;
}

/// Where allocated indices start.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AllocFrom {
    /// `XA_FLAGS_ALLOC`.
    Zero,
    /// `XA_FLAGS_ALLOC1`.
    One,
}

/// An allocating xarray of `T`s, with `D` protected by its lock.
///
/// # Invariants
///
/// `xa` is initialised as an allocating xarray and pinned. Every entry is
/// a pointer from `T::into_foreign()`, owned by the array until removed.
/// `data` is only reached through a [`Guard`], that is with the lock held.
#[pin_data(PinnedDrop)]
pub struct XArray<T: ForeignOwnable, D = ()> {
    #[pin]
    xa: Opaque<bindings::xarray>,
    data: UnsafeCell<D>,
    _t: PhantomData<T>,
}

// SAFETY: the entries are `T`s moved in and out under the lock; `D` is
// only touched under it.
unsafe impl<T: ForeignOwnable + Send, D: Send> Send for XArray<T, D> {}
// SAFETY: every access to entries and `D` goes through the spinlock.
unsafe impl<T: ForeignOwnable + Send, D: Send> Sync for XArray<T, D> {}

impl<T: ForeignOwnable, D> XArray<T, D> {
    /// An empty allocating xarray, with `data` beside it.
    pub fn new(from: AllocFrom, data: D) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned; an xarray is
            // self-contained once initialised (no self-pointers).
            xa <- Opaque::ffi_init(|slot: *mut bindings::xarray| unsafe {
                fsrs_xa_init_alloc(slot, from == AllocFrom::One)
            }),
            data: UnsafeCell::new(data),
            _t: PhantomData,
        })
    }

    fn raw(&self) -> *mut bindings::xarray {
        self.xa.get()
    }

    /// Whether the array is empty (a racy snapshot, as `xa_empty()`).
    pub fn is_empty(&self) -> bool {
        // SAFETY: initialised (type invariant); reads one word.
        unsafe { fsrs_xa_empty(self.raw()) }
    }

    /// Takes the array's spinlock.
    pub fn lock(&self) -> Guard<'_, T, D> {
        // SAFETY: initialised (type invariant).
        unsafe { fsrs_xa_lock(self.raw()) };
        // INVARIANT: locked just now; the guard unlocks on drop.
        Guard {
            xa: self,
            _not_send: PhantomData,
        }
    }
}

#[pinned_drop]
impl<T: ForeignOwnable, D> PinnedDrop for XArray<T, D> {
    fn drop(self: Pin<&mut Self>) {
        // Entries are dropped one at a time with the lock released: a `T`'s
        // drop may sleep.
        loop {
            let mut guard = self.lock();
            let mut index = 0;
            if guard.find(&mut index, usize::MAX, None).is_none() {
                break;
            }
            let entry = guard.remove(index);
            drop(guard);
            drop(entry);
        }
        // SAFETY: initialised and empty; nothing uses it after.
        unsafe { bindings::xa_destroy(self.raw()) };
    }
}

/// The xarray's lock, held: the entries may be looked at and changed.
///
/// # Invariants
///
/// `xa`'s spinlock is held by this thread until drop.
#[must_use = "the lock is released when the guard is dropped"]
pub struct Guard<'a, T: ForeignOwnable, D> {
    xa: &'a XArray<T, D>,
    /// Not `Send`: a spinlock is released by the thread that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<T: ForeignOwnable, D> Guard<'_, T, D> {
    /// The data the lock protects.
    pub fn data(&mut self) -> &mut D {
        // SAFETY: the lock is held (type invariant), and `&mut self` makes
        // this the only borrow of it.
        unsafe { &mut *self.xa.data.get() }
    }

    /// The entry at `index`, borrowed while the lock is held.
    pub fn get(&self, index: usize) -> Option<T::Borrowed<'_>> {
        // SAFETY: initialised; the lock is held, so the entry cannot be
        // removed while borrowed (removal needs `&mut self`).
        let p = unsafe { bindings::xa_load(self.xa.raw(), index) };
        // SAFETY: every entry came from `T::into_foreign()` (type
        // invariant of XArray) and stays owned by the array.
        (!p.is_null()).then(|| unsafe { T::borrow(p) })
    }

    /// The first entry at or after `*index` and at most `max`, with `mark`
    /// (any entry for `None`); `*index` is set to its index.
    pub fn find(
        &self,
        index: &mut usize,
        max: usize,
        mark: Option<Mark>,
    ) -> Option<T::Borrowed<'_>> {
        let mark = mark.map_or(Mark::PRESENT, |m| m.0);
        // SAFETY: initialised; xa_find() takes the RCU read lock itself,
        // which may nest in the spinlock.
        let p = unsafe { bindings::xa_find(self.xa.raw(), index, max, mark) };
        if p.is_null() {
            return None;
        }
        // SAFETY: as in get().
        Some(unsafe { T::borrow(p) })
    }

    /// Walks the entries in `from..=max` with `mark` (any entry for
    /// `None`), in index order, until `f` returns something; returns that.
    pub fn find_map<R>(
        &self,
        from: usize,
        max: usize,
        mark: Option<Mark>,
        mut f: impl FnMut(usize, T::Borrowed<'_>) -> Option<R>,
    ) -> Option<R> {
        let mut index = from;
        loop {
            let entry = self.find(&mut index, max, mark)?;
            if let Some(r) = f(index, entry) {
                return Some(r);
            }
            if index >= max {
                return None;
            }
            index += 1;
        }
    }

    /// Removes and returns the entry at `index`.
    pub fn remove(&mut self, index: usize) -> Option<T> {
        // SAFETY: initialised and locked (type invariant).
        let p = unsafe { bindings::__xa_erase(self.xa.raw(), index) };
        // SAFETY: the entry came from `T::into_foreign()`; the array no
        // longer has it, so its ownership passes to the caller.
        (!p.is_null()).then(|| unsafe { T::from_foreign(p) })
    }

    /// Sets `mark` on the entry at `index` (none if there is no entry).
    pub fn set_mark(&mut self, index: usize, mark: Mark) {
        // SAFETY: initialised and locked.
        unsafe { bindings::__xa_set_mark(self.xa.raw(), index, mark.0) };
    }

    /// Clears `mark` on the entry at `index`.
    pub fn clear_mark(&mut self, index: usize, mark: Mark) {
        // SAFETY: initialised and locked.
        unsafe { bindings::__xa_clear_mark(self.xa.raw(), index, mark.0) };
    }

    /// Stores `value` at a free index in `min..=max`, searching from the
    /// cursor `next` picks out of the lock's data and wrapping round to
    /// `min`, and moves the cursor past it, so that an index freed is not
    /// soon reused. Returns the index, or gives `value` back with EBUSY
    /// (full) or ENOMEM.
    ///
    /// To allocate the array's nodes the lock may be dropped and retaken:
    /// what was checked under the lock before this call must be checked
    /// again after it.
    pub fn alloc_cyclic(
        &mut self,
        value: T,
        min: u32,
        max: u32,
        next: fn(&mut D) -> &mut u32,
    ) -> core::result::Result<u32, (T, Error)> {
        // The cursor is read and moved by __xa_alloc_cyclic() only with the
        // lock held (it drops the lock only to allocate), so a raw pointer
        // to it is used under the lock only, as the data's invariant asks.
        let next: *mut u32 = next(self.data());
        let p = value.into_foreign();
        let mut id = 0u32;
        let limit = bindings::xa_limit { min, max };
        // SAFETY: initialised and locked; __xa_alloc_cyclic() may drop and
        // retake the lock to allocate (documented above), and stores `p`
        // only on success.
        let r = unsafe {
            bindings::__xa_alloc_cyclic(
                self.xa.raw(),
                &mut id,
                p as *mut c_void,
                limit,
                next,
                GFP_KERNEL_RAW,
            )
        };
        if r < 0 {
            // SAFETY: not stored: ownership of `p` is still ours.
            return Err((unsafe { T::from_foreign(p) }, Error::from_errno(r)));
        }
        Ok(id)
    }
}

impl<T: ForeignOwnable, D> Drop for Guard<'_, T, D> {
    fn drop(&mut self) {
        // SAFETY: locked by this guard (type invariant).
        unsafe { fsrs_xa_unlock(self.xa.raw()) };
    }
}

/// Unique ids from an allocating xarray whose entries are reserved and
/// empty (C's `xa_alloc_cyclic(.., NULL, ..)`), handed out cyclically.
///
/// # Invariants
///
/// `xa` is initialised (allocating from 1) and pinned; `next` is only
/// touched with its lock held.
#[pin_data(PinnedDrop)]
pub struct IdAlloc {
    #[pin]
    xa: Opaque<bindings::xarray>,
    next: UnsafeCell<u32>,
}

// SAFETY: all state is behind the xarray's lock.
unsafe impl Send for IdAlloc {}
// SAFETY: as for `Send`.
unsafe impl Sync for IdAlloc {}

impl IdAlloc {
    /// Ids from 1.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned.
            xa <- Opaque::ffi_init(|slot: *mut bindings::xarray| unsafe {
                fsrs_xa_init_alloc(slot, true)
            }),
            next: UnsafeCell::new(1),
        })
    }

    /// A new id in `1..=max`, not one of the recently freed ones.
    pub fn alloc(&self, max: u32) -> Result<u32> {
        let xa = self.xa.get();
        let mut id = 0u32;
        let limit = bindings::xa_limit { min: 1, max };
        // SAFETY: initialised; `next` is used under the lock only (type
        // invariant), which __xa_alloc_cyclic() holds whenever it touches
        // it. A NULL entry reserves the index.
        let r = unsafe {
            fsrs_xa_lock(xa);
            let r = bindings::__xa_alloc_cyclic(
                xa,
                &mut id,
                ptr::null_mut(),
                limit,
                self.next.get(),
                GFP_KERNEL_RAW,
            );
            fsrs_xa_unlock(xa);
            r
        };
        to_result(r.min(0))?;
        Ok(id)
    }

    /// Gives `id` back.
    pub fn free(&self, id: u32) {
        // SAFETY: initialised; xa_erase() takes the lock. The entry is a
        // reservation, so nothing is returned to free.
        unsafe { bindings::xa_erase(self.xa.get(), id as _) };
    }
}

#[pinned_drop]
impl PinnedDrop for IdAlloc {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: initialised; nothing uses it after. Reservations own
        // nothing.
        unsafe { bindings::xa_destroy(self.xa.get()) };
    }
}
