// SPDX-License-Identifier: GPL-2.0
//! Named slab caches, and a reference-counted pointer to an object kept in
//! one.
//!
//! C keeps its long-lived objects in named `kmem_cache`s (cachefiles'
//! `cachefiles_object_jar`), which show in `/proc/slabinfo` and
//! `/sys/kernel/slab/`, so memory per object can be read off. 6.12's
//! `kernel::sync::Arc` always allocates from kmalloc, so an object that
//! must live in a named cache uses [`SlabArc`] instead: the same counting
//! and drop rules as `Arc`, over memory from its type's [`Jar`].
//!
//! Upstream equivalent: none as of 6.18 (a `kmem_cache` abstraction has
//! been posted but not merged); `Arc` with an allocator parameter would
//! replace [`SlabArc`].

use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    alloc::AllocError,
    bindings,
    ffi::c_void,
    init::PinInit,
    str::CStr,
    types::{ForeignOwnable, Opaque},
};

#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/slab.c: both are macros in 6.12.
    fn fsrs_kmem_cache_create(name: *const u8, size: u32, align: u32) -> *mut bindings::kmem_cache;
    fn fsrs_kmem_cache_alloc(
        cache: *mut bindings::kmem_cache,
        flags: bindings::gfp_t,
    ) -> *mut c_void;
}

/// A type whose objects live in a named slab cache of their own.
pub trait InJar: Sized + 'static {
    /// The cache, which the module creates at load and destroys at exit.
    fn jar() -> &'static Jar<Self>;
}

/// A type whose values exist only inside [`SlabArc`]s, so that a `&T`
/// always points into one and [`SlabArc::from_ref`] can count another
/// reference.
///
/// # Safety
///
/// Every value of the type must be made by [`SlabArc::pin_init`] and never
/// moved out of it (for example: its fields are private to the file that
/// makes it, which makes it only there), and no code run while its count
/// is zero (its `Drop`) may give a `&T` to [`SlabArc::from_ref`].
pub unsafe trait SlabOnly: InJar {}

/// The named slab cache of one type, as a `static`: empty until the module
/// creates it with [`Jar::create`].
///
/// # Invariants
///
/// `cache` is null or a live `kmem_cache` whose objects fit a
/// `SlabArcInner<T>`; it is set only by [`Jar::create`] and cleared only
/// by the [`JarRegistration`] that call returned.
pub struct Jar<T> {
    cache: AtomicPtr<bindings::kmem_cache>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Jar<T> {
    /// An empty jar.
    pub const fn new() -> Self {
        // INVARIANT: null.
        Jar {
            cache: AtomicPtr::new(ptr::null_mut()),
            _type: PhantomData,
        }
    }

    /// Creates the cache under `name`; it lives until the returned
    /// registration is dropped, which the module does at exit.
    pub fn create(&'static self, name: &'static CStr) -> kernel::error::Result<JarRegistration<T>> {
        let size =
            u32::try_from(core::mem::size_of::<SlabArcInner<T>>()).map_err(|_| AllocError)?;
        let align = core::mem::align_of::<SlabArcInner<T>>() as u32;
        // SAFETY: `name` is NUL-terminated and 'static (the cache keeps the
        // pointer); kmem_cache_create() has no other precondition.
        let cache = unsafe { fsrs_kmem_cache_create(name.as_char_ptr().cast(), size, align) };
        if cache.is_null() {
            return Err(AllocError.into());
        }
        // INVARIANT: a live cache sized and aligned for SlabArcInner<T>.
        if self
            .cache
            .compare_exchange(ptr::null_mut(), cache, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // SAFETY: just created, nothing was allocated from it.
            unsafe { bindings::kmem_cache_destroy(cache) };
            return Err(kernel::error::code::EBUSY);
        }
        Ok(JarRegistration { jar: self })
    }

    fn get(&self) -> Option<NonNull<bindings::kmem_cache>> {
        NonNull::new(self.cache.load(Ordering::Acquire))
    }
}

impl<T> Default for Jar<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Keeps a [`Jar`]'s cache alive; dropping it destroys the cache.
///
/// Every object must have been freed by then: the kernel reports a cache
/// destroyed with objects in it (and keeps it), so a leak shows as a
/// warning at module exit, which the test harness fails on.
#[must_use]
pub struct JarRegistration<T: 'static> {
    jar: &'static Jar<T>,
}

impl<T> Drop for JarRegistration<T> {
    fn drop(&mut self) {
        let cache = self.jar.cache.swap(ptr::null_mut(), Ordering::AcqRel);
        if !cache.is_null() {
            // SAFETY: by the type invariant of `Jar`, `cache` is the live
            // cache this registration owns; it is unpublished above, so no
            // new allocation can use it.
            unsafe { bindings::kmem_cache_destroy(cache) };
        }
    }
}

#[repr(C)]
struct SlabArcInner<T> {
    refcount: Opaque<bindings::refcount_t>,
    data: T,
}

/// A reference-counted pointer to a `T` in `T`'s named slab cache.
///
/// # Invariants
///
/// `ptr` points to a `SlabArcInner<T>` allocated from `T::jar()`, whose
/// `data` is initialised and pinned, and whose `refcount` counts this
/// pointer among the others.
pub struct SlabArc<T: InJar> {
    ptr: NonNull<SlabArcInner<T>>,
    _owns: PhantomData<SlabArcInner<T>>,
}

// SAFETY: as for `Arc`: a `SlabArc` gives `&T` on any thread and may drop
// the `T` on any thread, so `T` must be both `Sync` and `Send`.
unsafe impl<T: InJar + Sync + Send> Send for SlabArc<T> {}
// SAFETY: as for `Arc`, see `Send`.
unsafe impl<T: InJar + Sync + Send> Sync for SlabArc<T> {}

impl<T: InJar> SlabArc<T> {
    /// Allocates from `T`'s jar (GFP_KERNEL: may sleep) and runs `init`.
    pub fn pin_init<E>(init: impl PinInit<T, E>) -> kernel::error::Result<Self>
    where
        kernel::error::Error: From<E>,
    {
        let cache = T::jar().get().ok_or(AllocError)?;
        // SAFETY: `cache` is live (invariant of `Jar`); GFP_KERNEL, and
        // callers run in process context.
        let mem = unsafe { fsrs_kmem_cache_alloc(cache.as_ptr(), bindings::GFP_KERNEL) };
        let inner = NonNull::new(mem.cast::<SlabArcInner<T>>()).ok_or(AllocError)?;
        let p = inner.as_ptr();
        // SAFETY: `p` is a fresh allocation sized and aligned for
        // SlabArcInner<T> (invariant of `Jar`); writing the count does not
        // read the uninitialised memory.
        unsafe { ptr::addr_of_mut!((*p).refcount).write(Opaque::new(bindings::REFCOUNT_INIT(1))) };
        // SAFETY: `data` is valid for writes and never moves: the slot is
        // freed only in place, by the last `SlabArc`.
        if let Err(e) = unsafe { init.__pinned_init(ptr::addr_of_mut!((*p).data)) } {
            // SAFETY: the initialiser failed and dropped what it built; the
            // memory came from `cache` and nothing else refers to it.
            unsafe { bindings::kmem_cache_free(cache.as_ptr(), mem) };
            return Err(e.into());
        }
        // INVARIANT: initialised, count 1 for the pointer returned.
        Ok(SlabArc {
            ptr: inner,
            _owns: PhantomData,
        })
    }

    /// Gives up the pointer without dropping its count, for a C private
    /// pointer; [`SlabArc::from_raw`] takes it back.
    pub fn into_raw(self) -> *const T {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        // SAFETY: `p` is valid (type invariant); no reference is made.
        unsafe { ptr::addr_of!((*p).data) }
    }

    /// Takes back the count given up by [`SlabArc::into_raw`].
    ///
    /// # Safety
    ///
    /// `data` came from `SlabArc::<T>::into_raw`, and each such pointer is
    /// taken back once.
    pub unsafe fn from_raw(data: *const T) -> Self {
        // SAFETY: by the caller, `data` is the `data` field of a live
        // SlabArcInner<T>, so stepping back by its offset stays inside it.
        let inner = unsafe {
            data.cast::<u8>()
                .sub(core::mem::offset_of!(SlabArcInner<T>, data))
                .cast::<SlabArcInner<T>>()
        };
        // INVARIANT: the count given up by into_raw() now belongs to this
        // pointer.
        SlabArc {
            // SAFETY: derived from a non-null pointer into the allocation.
            ptr: unsafe { NonNull::new_unchecked(inner.cast_mut()) },
            _owns: PhantomData,
        }
    }

    /// A new pointer to an object known only by a borrowed raw pointer.
    ///
    /// # Safety
    ///
    /// `data` points into a live `SlabArc<T>` that some holder keeps alive
    /// for the duration of this call.
    pub unsafe fn clone_from_raw(data: *const T) -> Self {
        // SAFETY: by the caller, `data` is a SlabArc's data; the result
        // is forgotten so the borrowed count is not dropped.
        let borrowed = core::mem::ManuallyDrop::new(unsafe { Self::from_raw(data) });
        (*borrowed).clone()
    }

    /// A new pointer to `this`, a value that lives in a `SlabArc`.
    pub fn from_ref(this: &T) -> Self
    where
        T: SlabOnly,
    {
        // SAFETY: `T: SlabOnly`, so `this` is the data of a live SlabArc
        // (with a count above zero), which the borrow keeps alive during
        // the call.
        unsafe { Self::clone_from_raw(this) }
    }

    fn refcount(&self) -> *mut bindings::refcount_t {
        // SAFETY: `ptr` is valid (type invariant).
        unsafe { (*self.ptr.as_ptr()).refcount.get() }
    }
}

// The foreign pointer is the address of the `T` (as `Arc::into_raw`
// gives), so C code that reads a private pointer sees the object itself.
impl<T: InJar> ForeignOwnable for SlabArc<T> {
    type Borrowed<'a> = &'a T;

    fn into_foreign(self) -> *const c_void {
        SlabArc::into_raw(self).cast()
    }

    unsafe fn borrow<'a>(ptr: *const c_void) -> &'a T {
        // SAFETY: by the trait's contract `ptr` came from into_foreign()
        // and is not taken back while the borrow lasts, so the count it
        // holds keeps the `T` alive for 'a.
        unsafe { &*ptr.cast::<T>() }
    }

    unsafe fn from_foreign(ptr: *const c_void) -> Self {
        // SAFETY: by the trait's contract `ptr` came from into_foreign(),
        // i.e. SlabArc::into_raw(), and is taken back once.
        unsafe { SlabArc::from_raw(ptr.cast()) }
    }
}

impl<T: InJar> Deref for SlabArc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `data` is initialised and lives while this count is held
        // (type invariant); only shared references are ever made.
        unsafe { &(*self.ptr.as_ptr()).data }
    }
}

impl<T: InJar> Clone for SlabArc<T> {
    fn clone(&self) -> Self {
        // SAFETY: the count is live: this pointer holds one (type
        // invariant). refcount_inc() saturates rather than overflow.
        unsafe { bindings::refcount_inc(self.refcount()) };
        // INVARIANT: the increment above is the new pointer's count.
        SlabArc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T: InJar> Drop for SlabArc<T> {
    fn drop(&mut self) {
        // SAFETY: the count is live and this pointer holds one of it.
        if !unsafe { bindings::refcount_dec_and_test(self.refcount()) } {
            return;
        }
        let p = self.ptr.as_ptr();
        // SAFETY: the count reached zero: no other pointer exists, so the
        // `T` may be dropped in place (it was pinned there).
        unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*p).data)) };
        // The jar outlives every object: the module destroys it at exit,
        // after the last object is gone (JarRegistration).
        if let Some(cache) = T::jar().get() {
            // SAFETY: `p` was allocated from this cache (type invariant)
            // and is no longer used.
            unsafe { bindings::kmem_cache_free(cache.as_ptr(), p.cast()) };
        }
    }
}
