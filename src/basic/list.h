/* list.h - intrusive doubly linked lists, in the style of systemd's list.h.
 *
 *     struct item { LIST_FIELDS(struct item, items); ... };
 *     struct item *head = NULL;
 *     LIST_PREPEND(items, head, i);
 *     LIST_REMOVE(items, head, i);
 *     LIST_FOREACH(items, i, head) ...
 *
 * NAME prefixes the two fields, so one item may be on several lists. */
#pragma once

#include <assert.h>
#include <stddef.h>

#define LIST_FIELDS(t, name) t *name##_next, *name##_prev

#define LIST_PREPEND(name, head, item)                                  \
        do {                                                            \
                __typeof__(*(head)) **_head_ = &(head), *_item_ = (item); \
                assert(_item_);                                         \
                _item_->name##_prev = NULL;                             \
                _item_->name##_next = *_head_;                          \
                if (*_head_)                                            \
                        (*_head_)->name##_prev = _item_;                \
                *_head_ = _item_;                                       \
        } while (0)

#define LIST_REMOVE(name, head, item)                                   \
        do {                                                            \
                __typeof__(*(head)) **_head_ = &(head), *_item_ = (item); \
                assert(_item_);                                         \
                if (_item_->name##_next)                                \
                        _item_->name##_next->name##_prev = _item_->name##_prev; \
                if (_item_->name##_prev)                                \
                        _item_->name##_prev->name##_next = _item_->name##_next; \
                else {                                                  \
                        assert(*_head_ == _item_);                      \
                        *_head_ = _item_->name##_next;                  \
                }                                                       \
                _item_->name##_next = _item_->name##_prev = NULL;       \
        } while (0)

#define LIST_FOREACH(name, i, head) \
        for ((i) = (head); (i); (i) = (i)->name##_next)

/* I may be removed (and freed) in the body. */
#define LIST_FOREACH_SAFE(name, i, n, head) \
        for ((i) = (head); (i) && (((n) = (i)->name##_next), 1); (i) = (n))
