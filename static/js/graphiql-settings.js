/*
 * GraphiQL's settings for graphene-django's graphiql.js, which reads window.GRAPHENE_SETTINGS.
 *
 * graphene-django sets them in an inline script; the Content-Security-Policy forbids inline
 * scripts, so templates/graphene/graphiql.html passes them as data attributes of the editor
 * element instead, and this file (loaded before graphiql.js) turns them into the object.
 */
(function () {
  "use strict";

  var data = document.getElementById("editor").dataset;
  var settings = {
    graphiqlHeaderEditorEnabled: data.headerEditorEnabled === "true",
    graphiqlShouldPersistHeaders: data.shouldPersistHeaders === "true",
    graphiqlInputValueDeprecation: data.inputValueDeprecation === "true",
  };
  if (data.subscriptionPath) {
    settings.subscriptionPath = data.subscriptionPath;
  }
  window.GRAPHENE_SETTINGS = settings;
})();
