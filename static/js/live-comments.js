/*
 * Live comments: new comments on this post appear without a reload.
 *
 * Progressive enhancement: the page works without this script. It opens a websocket to
 * /ws/posts/<post id>/ and appends each "comment.created" message to the comment list,
 * building nodes with textContent (never innerHTML) and skipping comments already shown;
 * a "comment.hidden" or "comment.deleted" message takes the comment off the list.
 * The socket hears only comments made while it is open, and delivery is at most once, so
 * every time it opens (the first time included: comments posted between the page's render
 * and the first open would be missed) it reads the page's comments once more and adds those
 * not shown yet. It reconnects with growing, jittered delays, except after close code 4404
 * or 4403 (the post is gone, or the viewer may not see it). The post element's data-live attribute says
 * "connected", "reconnecting" or "off".
 */
(function () {
  "use strict";

  // The server's "no such post for you" and "you may not": retrying would not change them.
  var CLOSE_REFUSED = [4404, 4403];
  var MIN_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  var post = document.querySelector("[data-post-id][data-live-comments]");
  if (!post || !("WebSocket" in window)) {
    return;
  }
  var list = post.querySelector("[data-comment-list]");
  if (!list) {
    return;
  }
  var postId = post.getAttribute("data-post-id");
  var countLabel = post.querySelector("[data-comment-count]");
  var emptyNote = post.querySelector("[data-comments-empty]");
  var delay = MIN_DELAY_MS;

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws/posts/" + encodeURIComponent(postId) + "/";
  }

  function isShown(commentId) {
    var items = list.querySelectorAll("[data-comment-id]");
    for (var i = 0; i < items.length; i += 1) {
      if (items[i].getAttribute("data-comment-id") === String(commentId)) {
        return true;
      }
    }
    return false;
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  // The same format as the server's {{ created_at|date:"j M Y, H:i" }} in UTC.
  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return "";
    }
    return (
      date.getUTCDate() + " " + MONTHS[date.getUTCMonth()] + " " + date.getUTCFullYear() +
      ", " + pad(date.getUTCHours()) + ":" + pad(date.getUTCMinutes())
    );
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function refreshCount() {
    var count = list.querySelectorAll("[data-comment-id]").length;
    if (countLabel) {
      countLabel.textContent = "(" + count + ")";
    }
    if (emptyNote) {
      emptyNote.hidden = count > 0;
    }
  }

  // Comment ids grow with time: keep the list oldest first even when a live message and a
  // catch-up race each other.
  function insertInOrder(item, commentId) {
    var items = list.querySelectorAll("[data-comment-id]");
    for (var i = 0; i < items.length; i += 1) {
      if (Number(items[i].getAttribute("data-comment-id")) > Number(commentId)) {
        list.insertBefore(item, items[i]);
        return;
      }
    }
    list.appendChild(item);
  }

  function showComment(comment) {
    if (comment.comment_id === undefined || comment.comment_id === null) {
      return;
    }
    if (isShown(comment.comment_id)) {
      return;
    }
    var item = element("li", "comment comment--new");
    item.id = "comment-" + comment.comment_id;
    item.setAttribute("data-comment-id", String(comment.comment_id));

    var meta = element("p", "comment__meta");
    meta.appendChild(element("span", "comment__author", String(comment.author_name || "")));
    meta.appendChild(document.createTextNode(" · "));
    var time = element("time", null, formatTime(comment.created_at));
    time.setAttribute("datetime", String(comment.created_at || ""));
    meta.appendChild(time);

    item.appendChild(meta);
    item.appendChild(element("p", "comment__body", String(comment.body || "")));
    insertInOrder(item, comment.comment_id);
    refreshCount();
  }

  function removeComment(commentId) {
    var items = list.querySelectorAll("[data-comment-id]");
    for (var i = 0; i < items.length; i += 1) {
      if (items[i].getAttribute("data-comment-id") === String(commentId)) {
        items[i].parentNode.removeChild(items[i]);
      }
    }
    refreshCount();
  }

  // Reads the comments from a fresh copy of this page: data only, rebuilt by showComment.
  function catchUp() {
    if (!window.fetch || !window.DOMParser) {
      return;
    }
    window
      .fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var page = new DOMParser().parseFromString(html, "text/html");
        var items = page.querySelectorAll("[data-comment-list] [data-comment-id]");
        for (var i = 0; i < items.length; i += 1) {
          var author = items[i].querySelector(".comment__author");
          var time = items[i].querySelector("time");
          var body = items[i].querySelector(".comment__body");
          showComment({
            comment_id: items[i].getAttribute("data-comment-id"),
            author_name: author ? author.textContent : "",
            created_at: time ? time.getAttribute("datetime") : "",
            body: body ? body.textContent : "",
          });
        }
      })
      .catch(function () {
        // Offline or the server is away: the next open tries again.
      });
  }

  function scheduleReconnect() {
    var wait = delay / 2 + Math.random() * (delay / 2);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
    window.setTimeout(connect, wait);
  }

  function connect() {
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      post.setAttribute("data-live", "connected");
      delay = MIN_DELAY_MS;
      catchUp();
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && message.type === "comment.created" && message.data) {
        showComment(message.data);
      } else if (
        message &&
        (message.type === "comment.hidden" || message.type === "comment.deleted") &&
        message.data
      ) {
        removeComment(message.data.comment_id);
      }
    });
    socket.addEventListener("close", function (event) {
      if (CLOSE_REFUSED.indexOf(event.code) !== -1) {
        post.setAttribute("data-live", "off");
        return;
      }
      post.setAttribute("data-live", "reconnecting");
      scheduleReconnect();
    });
  }

  connect();
})();
