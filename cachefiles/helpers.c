// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for cachefiles.ko: kernel static inlines, macros and constants the
 * Rust side calls (bindgen cannot bind those). Each one is a plain wrapper;
 * the decisions are made in Rust (vfs.rs and fsc.rs hold the safe API).
 */
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/fscache-cache.h>
#include <linux/ioprio.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/netfs.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/security.h>
#include <linux/sysctl.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <trace/events/fscache.h>
#include "helpers.h"

/*
 * The debug mask: the "debug" module parameter (modprobe cachefiles
 * debug=4, /sys/module/cachefiles/parameters/debug), as C has it, and the
 * daemon's "debug" command. 6.12's Rust module! has no parameters.
 */
static unsigned int cachefiles_debug;
module_param_named(debug, cachefiles_debug, uint, 0644);
MODULE_PARM_DESC(debug, "CacheFiles debugging mask");

unsigned int cfh_debug_mask(void)
{
	return READ_ONCE(cachefiles_debug);
}

void cfh_set_debug_mask(unsigned int mask)
{
	WRITE_ONCE(cachefiles_debug, mask);
}

int fsrs_security_secctx_to_secid(const char *secdata, u32 seclen, u32 *secid)
{
	return security_secctx_to_secid(secdata, seclen, secid);
}

/* Dentries and inodes. */

struct dentry *cfh_dget(struct dentry *d)
{
	return dget(d);
}

struct inode *cfh_d_inode(const struct dentry *d)
{
	return d_inode(d);
}

bool cfh_d_is_negative(const struct dentry *d)
{
	return d_is_negative(d);
}

bool cfh_d_is_reg(const struct dentry *d)
{
	return d_is_reg(d);
}

bool cfh_d_is_dir(const struct dentry *d)
{
	return d_is_dir(d);
}

bool cfh_d_can_lookup(const struct dentry *d)
{
	return d_can_lookup(d);
}

bool cfh_d_unhashed(const struct dentry *d)
{
	return d_unhashed(d);
}

bool cfh_d_mountpoint(const struct dentry *d)
{
	return d_mountpoint(d);
}

struct dentry *cfh_d_parent(const struct dentry *d)
{
	return d->d_parent;
}

bool cfh_is_deaddir(struct inode *inode)
{
	return IS_DEADDIR(inode);
}

unsigned long cfh_i_ino(const struct inode *inode)
{
	return inode->i_ino;
}

blkcnt_t cfh_i_blocks(const struct inode *inode)
{
	return inode->i_blocks;
}

void cfh_inode_lock(struct inode *inode)
{
	inode_lock(inode);
}

void cfh_inode_lock_parent(struct inode *inode)
{
	inode_lock_nested(inode, I_MUTEX_PARENT);
}

void cfh_inode_unlock(struct inode *inode)
{
	inode_unlock(inode);
}

/* S_KERNEL_FILE: the caller holds the inode lock. */
bool cfh_inode_test_kernel_file(const struct inode *inode)
{
	return inode->i_flags & S_KERNEL_FILE;
}

void cfh_inode_set_kernel_file(struct inode *inode)
{
	inode->i_flags |= S_KERNEL_FILE;
}

void cfh_inode_clear_kernel_file(struct inode *inode)
{
	inode->i_flags &= ~S_KERNEL_FILE;
}

/* What a directory of the cache must be able to do. */
bool cfh_dir_ops_ok(const struct inode *inode)
{
	const struct inode_operations *op = inode->i_op;

	return (inode->i_opflags & IOP_XATTR) && op->lookup && op->mkdir &&
	       op->rename && op->rmdir && op->unlink;
}

/* What the root of a cache must offer (checked at bind). */
bool cfh_root_ok(const struct dentry *root)
{
	const struct inode *inode = d_backing_inode(root);

	return !d_is_negative(root) && inode->i_op->lookup && inode->i_op->mkdir &&
	       inode->i_op->tmpfile && (inode->i_opflags & IOP_XATTR) &&
	       root->d_sb->s_op->statfs && root->d_sb->s_op->sync_fs &&
	       root->d_sb->s_blocksize <= PAGE_SIZE;
}

bool cfh_sb_rdonly(const struct dentry *d)
{
	return sb_rdonly(d->d_sb);
}

bool cfh_is_idmapped_mnt(const struct vfsmount *mnt)
{
	return is_idmapped_mnt(mnt);
}

struct dentry *cfh_mnt_root(const struct vfsmount *mnt)
{
	return mnt->mnt_root;
}

/* Files. */

struct file *cfh_get_file(struct file *f)
{
	return get_file(f);
}

struct inode *cfh_file_inode(const struct file *f)
{
	return file_inode(f);
}

struct dentry *cfh_file_dentry(const struct file *f)
{
	return f->f_path.dentry;
}

const struct path *cfh_file_path(const struct file *f)
{
	return &f->f_path;
}

bool cfh_file_has_rw_iter(const struct file *f)
{
	return f->f_op->read_iter && f->f_op->write_iter;
}

loff_t cfh_i_size_read(const struct inode *inode)
{
	return i_size_read(inode);
}

int cfh_set_size(struct file *file, loff_t size)
{
	struct iattr attrs = { .ia_valid = ATTR_SIZE, .ia_size = size };

	return notify_change(&nop_mnt_idmap, file->f_path.dentry, &attrs, NULL);
}

int cfh_zero_range(struct file *file, loff_t pos, loff_t len)
{
	return vfs_fallocate(file, FALLOC_FL_ZERO_RANGE, pos, len);
}

int cfh_punch_hole(struct file *file, loff_t pos, loff_t len)
{
	return vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, len);
}

/* Credentials. */

void cfh_put_cred(const struct cred *cred)
{
	put_cred(cred);
}

const struct cred *cfh_get_cred(const struct cred *cred)
{
	return get_cred(cred);
}

/* The daemon's working directory, for cull and inuse. */
void cfh_get_pwd(struct path *path)
{
	get_fs_pwd(current->fs, path);
}

int cfh_sync_fs(struct vfsmount *mnt)
{
	struct super_block *sb = mnt->mnt_sb;
	int ret;

	down_read(&sb->s_umount);
	ret = sync_filesystem(sb);
	up_read(&sb->s_umount);
	return ret;
}

/* LSM hooks (static inlines when the kernel has no LSMs). */

int cfh_security_path_mkdir(const struct path *dir, struct dentry *d, umode_t mode)
{
	return security_path_mkdir(dir, d, mode);
}

int cfh_security_path_unlink(const struct path *dir, struct dentry *d)
{
	return security_path_unlink(dir, d);
}

int cfh_security_path_rename(const struct path *od, struct dentry *o,
			     const struct path *nd, struct dentry *n)
{
	return security_path_rename(od, o, nd, n, 0);
}

int cfh_security_check_dir(struct dentry *root)
{
	int ret = security_inode_mkdir(d_backing_inode(root), root, 0);

	if (ret < 0) {
		pr_err("CacheFiles: Security denies permission to make dirs: error %d", ret);
		return ret;
	}
	ret = security_inode_create(d_backing_inode(root), root, 0);
	if (ret < 0)
		pr_err("CacheFiles: Security denies permission to create files: error %d", ret);
	return ret;
}

int cfh_rename(struct dentry *old_dir, struct dentry *old, struct dentry *new_dir,
	       struct dentry *new)
{
	struct renamedata rd = {
		.old_mnt_idmap	= &nop_mnt_idmap,
		.old_dir	= d_inode(old_dir),
		.old_dentry	= old,
		.new_mnt_idmap	= &nop_mnt_idmap,
		.new_dir	= d_inode(new_dir),
		.new_dentry	= new,
	};

	return vfs_rename(&rd);
}

/* fscache's inline API. */

void *cfh_cookie_key(struct fscache_cookie *cookie)
{
	return fscache_get_key(cookie);
}

void *cfh_cookie_aux(struct fscache_cookie *cookie)
{
	return fscache_get_aux(cookie);
}

struct fscache_cookie *cfh_cres_cookie(struct netfs_cache_resources *cres)
{
	return fscache_cres_cookie(cres);
}

void cfh_count_object(struct fscache_cache *cache)
{
	fscache_count_object(cache);
}

void cfh_uncount_object(struct fscache_cache *cache)
{
	fscache_uncount_object(cache);
}

void cfh_wait_for_objects(struct fscache_cache *cache)
{
	fscache_wait_for_objects(cache);
}

/* Pins a volume's access count for as long as the cache holds the volume, so
 * fscache does not wake withdrawers each time it drops to zero. */
void cfh_volume_pin_access(struct fscache_volume *volume)
{
	int n = atomic_inc_return(&volume->n_accesses);

	trace_fscache_access_volume(volume->debug_id, 0, refcount_read(&volume->ref), n,
				    fscache_access_cache_pin);
}

void cfh_count_read(void) { fscache_count_read(); }
void cfh_count_write(void) { fscache_count_write(); }
void cfh_count_no_write_space(void) { fscache_count_no_write_space(); }
void cfh_count_no_create_space(void) { fscache_count_no_create_space(); }
void cfh_count_culled(void) { fscache_count_culled(); }
void cfh_count_dio_misfit(void) { fscache_count_dio_misfit(); }

/* Direct I/O on a backing file. */

void cfh_kiocb_init(struct kiocb *iocb, struct file *file, loff_t pos, bool write,
		    void (*complete)(struct kiocb *, long))
{
	memset(iocb, 0, sizeof(*iocb));
	iocb->ki_filp = file;
	iocb->ki_pos = pos;
	iocb->ki_flags = IOCB_DIRECT | (write ? IOCB_WRITE : 0);
	iocb->ki_ioprio = get_current_ioprio();
	iocb->ki_complete = complete;
}

ssize_t cfh_iocb_read(struct file *file, struct kiocb *iocb, struct iov_iter *iter)
{
	unsigned int nofs = memalloc_nofs_save();
	ssize_t ret = vfs_iocb_iter_read(file, iocb, iter);

	memalloc_nofs_restore(nofs);
	return ret;
}

ssize_t cfh_iocb_write(struct file *file, struct kiocb *iocb, struct iov_iter *iter)
{
	unsigned int nofs = memalloc_nofs_save();
	ssize_t ret = vfs_iocb_iter_write(file, iocb, iter);

	memalloc_nofs_restore(nofs);
	return ret;
}

/* might_sleep(): with CONFIG_DEBUG_ATOMIC_SLEEP, a splat when called in
 * atomic context. */
void cfh_might_sleep(void)
{
	might_sleep();
}

/* Whether we run in a task, not in an interrupt or softirq (in_task()). */
bool cfh_in_task(void)
{
	return in_task();
}

void cfh_kiocb_end_write(struct kiocb *iocb)
{
	kiocb_end_write(iocb);
}

size_t cfh_iov_iter_count(const struct iov_iter *iter)
{
	return iov_iter_count(iter);
}

void cfh_iov_iter_truncate(struct iov_iter *iter, size_t count)
{
	iov_iter_truncate(iter, count);
}

void cfh_iov_iter_add_count(struct iov_iter *iter, size_t n)
{
	iter->count += n;
}

/* The daemon's poll wait queue. */

void cfh_init_waitqueue(struct wait_queue_head *wq)
{
	init_waitqueue_head(wq);
}

void cfh_wake_up_all(struct wait_queue_head *wq)
{
	wake_up_all(wq);
}

void cfh_poll_wait(struct file *file, struct wait_queue_head *wq, struct poll_table_struct *pt)
{
	poll_wait(file, wq, pt);
}

/* /proc/sys/cachefiles/error_injection (CACHEFILES_ERROR_INJECTION). */

static struct ctl_table_header *cfh_sysctl;
static struct ctl_table cfh_sysctls[] = {
	{
		.procname	= "error_injection",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec,
	},
};

int cfh_register_error_injection(unsigned int *state)
{
	cfh_sysctls[0].data = state;
	cfh_sysctl = register_sysctl("cachefiles", cfh_sysctls);
	return cfh_sysctl ? 0 : -ENOMEM;
}

void cfh_unregister_error_injection(void)
{
	unregister_sysctl_table(cfh_sysctl);
}
