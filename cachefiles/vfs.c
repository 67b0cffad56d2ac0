// SPDX-License-Identifier: GPL-2.0
/*
 * C shims of cachefiles.ko: what cachefiles requires of its directories
 * and of the root of a cache (vfs.rs holds the policy around them).
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/security.h>
#include "helpers.h"

/* What a directory of the cache must be able to do. */
bool fsrs_dir_ops_ok(const struct inode *inode)
{
	const struct inode_operations *op = inode->i_op;

	return (inode->i_opflags & IOP_XATTR) && op->lookup && op->mkdir &&
	       op->rename && op->rmdir && op->unlink;
}

/* What the root of a cache must offer (checked at bind). */
bool fsrs_root_ok(const struct dentry *root)
{
	const struct inode *inode = d_backing_inode(root);

	return !d_is_negative(root) && inode->i_op->lookup && inode->i_op->mkdir &&
	       inode->i_op->tmpfile && (inode->i_opflags & IOP_XATTR) &&
	       root->d_sb->s_op->statfs && root->d_sb->s_op->sync_fs &&
	       root->d_sb->s_blocksize <= PAGE_SIZE;
}

int fsrs_security_check_dir(struct dentry *root)
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
