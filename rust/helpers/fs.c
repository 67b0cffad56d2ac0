// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): VFS objects: dentries,
 * inodes, files, mounts, paths, the LSM path hooks, rename. Static
 * inlines and macros bindgen cannot bind; each is a plain wrapper.
 */
#include <linux/anon_inodes.h>
#include <linux/dcache.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/security.h>
#include <linux/sched.h>
#include "../../include/fsrs_fs.h"

/* Dentries and inodes. */

struct dentry *fsrs_dget(struct dentry *d)
{
	return dget(d);
}

struct inode *fsrs_d_inode(const struct dentry *d)
{
	return d_inode(d);
}

bool fsrs_d_is_negative(const struct dentry *d)
{
	return d_is_negative(d);
}

bool fsrs_d_is_reg(const struct dentry *d)
{
	return d_is_reg(d);
}

bool fsrs_d_is_dir(const struct dentry *d)
{
	return d_is_dir(d);
}

bool fsrs_d_can_lookup(const struct dentry *d)
{
	return d_can_lookup(d);
}

bool fsrs_d_unhashed(const struct dentry *d)
{
	return d_unhashed(d);
}

bool fsrs_d_mountpoint(const struct dentry *d)
{
	return d_mountpoint(d);
}

struct dentry *fsrs_d_parent(const struct dentry *d)
{
	return d->d_parent;
}

bool fsrs_is_deaddir(struct inode *inode)
{
	return IS_DEADDIR(inode);
}

unsigned long fsrs_i_ino(const struct inode *inode)
{
	return inode->i_ino;
}

blkcnt_t fsrs_i_blocks(const struct inode *inode)
{
	return inode->i_blocks;
}

void fsrs_inode_lock(struct inode *inode)
{
	inode_lock(inode);
}

void fsrs_inode_lock_parent(struct inode *inode)
{
	inode_lock_nested(inode, I_MUTEX_PARENT);
}

void fsrs_inode_unlock(struct inode *inode)
{
	inode_unlock(inode);
}

/* S_KERNEL_FILE: the caller holds the inode lock. */
bool fsrs_inode_test_kernel_file(const struct inode *inode)
{
	return inode->i_flags & S_KERNEL_FILE;
}

void fsrs_inode_set_kernel_file(struct inode *inode)
{
	inode->i_flags |= S_KERNEL_FILE;
}

void fsrs_inode_clear_kernel_file(struct inode *inode)
{
	inode->i_flags &= ~S_KERNEL_FILE;
}

bool fsrs_sb_rdonly(const struct super_block *sb)
{
	return sb_rdonly(sb);
}

bool fsrs_is_idmapped_mnt(const struct vfsmount *mnt)
{
	return is_idmapped_mnt(mnt);
}

struct dentry *fsrs_mnt_root(const struct vfsmount *mnt)
{
	return mnt->mnt_root;
}

/* Files. */

struct file *fsrs_get_file(struct file *f)
{
	return get_file(f);
}

struct inode *fsrs_file_inode(const struct file *f)
{
	return file_inode(f);
}

struct dentry *fsrs_file_dentry(const struct file *f)
{
	return f->f_path.dentry;
}

const struct path *fsrs_file_path(const struct file *f)
{
	return &f->f_path;
}

bool fsrs_file_has_rw_iter(const struct file *f)
{
	return f->f_op->read_iter && f->f_op->write_iter;
}

loff_t fsrs_i_size_read(const struct inode *inode)
{
	return i_size_read(inode);
}

int fsrs_set_size(struct file *file, loff_t size)
{
	struct iattr attrs = { .ia_valid = ATTR_SIZE, .ia_size = size };

	return notify_change(&nop_mnt_idmap, file->f_path.dentry, &attrs, NULL);
}

int fsrs_zero_range(struct file *file, loff_t pos, loff_t len)
{
	return vfs_fallocate(file, FALLOC_FL_ZERO_RANGE, pos, len);
}

int fsrs_punch_hole(struct file *file, loff_t pos, loff_t len)
{
	return vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, len);
}

/* The daemon's working directory, for cull and inuse. */
void fsrs_get_pwd(struct path *path)
{
	get_fs_pwd(current->fs, path);
}

int fsrs_sync_fs(struct vfsmount *mnt)
{
	struct super_block *sb = mnt->mnt_sb;
	int ret;

	down_read(&sb->s_umount);
	ret = sync_filesystem(sb);
	up_read(&sb->s_umount);
	return ret;
}

/* LSM hooks (static inlines when the kernel has no LSMs). */

int fsrs_security_inode_mkdir(struct inode *dir, struct dentry *d, umode_t mode)
{
	return security_inode_mkdir(dir, d, mode);
}

int fsrs_security_inode_create(struct inode *dir, struct dentry *d, umode_t mode)
{
	return security_inode_create(dir, d, mode);
}

int fsrs_security_path_mkdir(const struct path *dir, struct dentry *d, umode_t mode)
{
	return security_path_mkdir(dir, d, mode);
}

int fsrs_security_path_unlink(const struct path *dir, struct dentry *d)
{
	return security_path_unlink(dir, d);
}

int fsrs_security_path_rename(const struct path *od, struct dentry *o,
			     const struct path *nd, struct dentry *n)
{
	return security_path_rename(od, o, nd, n, 0);
}

int fsrs_rename(struct dentry *old_dir, struct dentry *old, struct dentry *new_dir,
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

/*
 * A new anonymous-inode file (anon_inode_getfile()) that can do what its
 * table offers, and no more. alloc_file_pseudo() sets FMODE_LSEEK only if
 * the table has an llseek (vfs_llseek() calls f_op->llseek unchecked once
 * the flag is set); pwrite(2) and positioned splices need FMODE_PWRITE,
 * given here only with a write_iter, as a file handed to a daemon to fill
 * a cache file through has.
 */
struct file *fsrs_anon_getfile(const char *name, const struct file_operations *fops,
			       void *priv, int flags)
{
	struct file *file = anon_inode_getfile(name, fops, priv, flags);

	if (!IS_ERR(file) && fops->write_iter)
		file->f_mode |= FMODE_PWRITE;
	return file;
}
