// The deep-linking answer goes back to the LMS by itself (the button stays for no-JS).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("lti-return");
  if (form) form.submit();
});
